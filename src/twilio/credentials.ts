/**
 * The one rule for each credential's format, used by the admin API's schemas (src/auth/schemas.ts), the client
 * factory, the end user's authorization page and the CLI. A format says nothing about whether Twilio accepts the
 * value: that is the authorization check.
 */

/** A credential format: the JSON Schema / RegExp source (anchored), and what it means in words people can act on. */
export interface CredentialRule {
  readonly pattern: string;
  /** The same rule for an HTML `pattern` attribute, which is anchored by the browser. */
  readonly htmlPattern: string;
  readonly minLength: number;
  readonly maxLength: number;
  /** Completes "must be …" in an error message. */
  readonly help: string;
}

function rule(body: string, minLength: number, maxLength: number, help: string): CredentialRule {
  return Object.freeze({ pattern: `^${body}$`, htmlPattern: body, minLength, maxLength, help });
}

/** Account SID: `AC` and 32 hexadecimal characters. */
export const ACCOUNT_SID_RULE = rule('AC[0-9a-fA-F]{32}', 34, 34, 'an Account SID: AC followed by 32 hex characters');

/** API Key SID: `SK` and 32 hexadecimal characters. */
export const API_KEY_SID_RULE = rule('SK[0-9a-fA-F]{32}', 34, 34, 'an API Key SID: SK followed by 32 hex characters');

/**
 * Auth Token and API Key secret: 16 to 256 printable ASCII characters without spaces. Wider than today's 32-character
 * tokens on purpose: proxies and Twilio-compatible services (auth profiles) use other lengths.
 */
export const SECRET_RULE = rule('[\\x21-\\x7e]{16,256}', 16, 256, '16 to 256 printable characters without spaces');

const ACCOUNT_SID = new RegExp(ACCOUNT_SID_RULE.pattern);
const API_KEY_SID = new RegExp(API_KEY_SID_RULE.pattern);
const SECRET = new RegExp(SECRET_RULE.pattern);

export function isAccountSid(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_SID.test(value);
}

export function isApiKeySid(value: unknown): value is string {
  return typeof value === 'string' && API_KEY_SID.test(value);
}

/** An Auth Token or an API Key secret. */
export function isCredentialSecret(value: unknown): value is string {
  return typeof value === 'string' && SECRET.test(value);
}
