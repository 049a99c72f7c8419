/** ajv validators compiled from the admin schemas, and the one way inputs become typed values: validate, then type. */
import { isRecord } from '../json';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type Ajv2020 from 'ajv/dist/2020';
import { ajvOf, defineAjvKind, lazyValidator as kindValidator } from '../validators';
import { ActionError, type ErrorDetail } from './errors';
import {
  actionConfigSchema,
  auditQuerySchema,
  CONDITIONAL_REQUIRED_HELP,
  authorizationSchema,
  authProfileSchema,
  authProfileUpdateSchema,
  deleteActionSchema,
  emptyBodySchema,
  PATTERN_HELP,
  PATTERNS,
  preAuthorizedApiKeySchema,
  preAuthorizedAuthTokenSchema,
  userAuthorizedSchema,
  userCredentialsSchema,
  type ActionConfig,
  type AuditQuery,
  type AuthorizationInput,
  type AuthProfileInput,
  type AuthProfileUpdate,
  type DeleteActionInput,
  type PreAuthorizedApiKeyInput,
  type PreAuthorizedAuthTokenInput,
  type UserAuthorizedInput,
  type UserCredentialsInput,
} from './schemas';

/**
 * The options of the one Ajv that validates the admin API's bodies, the stored records and the server's own bodies.
 * `validateSchema: false`: our schemas are not checked against the draft 2020-12 meta-schema at run time (compiling
 * the meta-schema was about 80 ms of every start); test/schemas.test.ts compiles each shipped schema with it on.
 * `strict` still refuses unknown keywords at compile time.
 */
export const STRICT_AJV_OPTIONS = { allErrors: true, strict: true } as const;

defineAjvKind('strict', {
  options: { ...STRICT_AJV_OPTIONS, validateSchema: false },
  create: (extra) => {
    // Loaded here, not on import: a start whose validators the build generated never loads Ajv's compiler.
    const { default: Ajv } = require('ajv/dist/2020') as typeof import('ajv/dist/2020'); // eslint-disable-line @typescript-eslint/no-require-imports
    return new Ajv({ ...STRICT_AJV_OPTIONS, validateSchema: false, ...extra });
  },
});

/** The shared strict draft 2020-12 Ajv, created on first use. */
export function strictAjv(): Ajv2020 {
  return ajvOf('strict') as Ajv2020;
}

/**
 * A strict validator made on first use (importing a module compiles nothing): the build's generated code for the
 * schema, or compiled by {@link strictAjv} (src/validators).
 */
export function lazyValidator<T>(schema: object): () => ValidateFunction<T> {
  return kindValidator<T>('strict', schema);
}

const validators = {
  authorization: lazyValidator<AuthorizationInput>(authorizationSchema),
  authToken: lazyValidator<PreAuthorizedAuthTokenInput>(preAuthorizedAuthTokenSchema),
  apiKey: lazyValidator<PreAuthorizedApiKeyInput>(preAuthorizedApiKeySchema),
  userAuthorized: lazyValidator<UserAuthorizedInput>(userAuthorizedSchema),
  config: lazyValidator<ActionConfig>(actionConfigSchema),
  profile: lazyValidator<AuthProfileInput>(authProfileSchema),
  profileUpdate: lazyValidator<AuthProfileUpdate>(authProfileUpdateSchema),
  userCredentials: lazyValidator<UserCredentialsInput>(userCredentialsSchema),
  deleteAction: lazyValidator<DeleteActionInput>(deleteActionSchema),
  empty: lazyValidator<Record<string, never>>(emptyBodySchema),
  auditQuery: lazyValidator<AuditQuery>(auditQuerySchema),
};

/** Turns ajv's errors into details people can act on (unknown fields, missing fields, what a SID looks like). */
export function describeErrors(errors: ErrorObject[] | null | undefined): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const e of errors ?? []) {
    const params = e.params as Record<string, unknown>;
    let detail: ErrorDetail;
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      const condition = Object.entries(CONDITIONAL_REQUIRED_HELP).find(([prefix]) => e.schemaPath.startsWith(prefix));
      detail = { path: `${e.instancePath}/${params.missingProperty}`, message: condition?.[1] ?? 'is required' };
    } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      detail = { path: `${e.instancePath}/${params.additionalProperty}`, message: 'is not an allowed field' };
    } else if (e.keyword === 'pattern' && typeof params.pattern === 'string') {
      detail = { path: e.instancePath, message: PATTERN_HELP[params.pattern] ?? `must match ${params.pattern}` };
    } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      detail = { path: e.instancePath, message: `must be one of: ${params.allowedValues.map(String).join(', ')}` };
    } else if (e.keyword === 'const') {
      detail = { path: e.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    } else if (e.keyword === 'oneOf' || e.keyword === 'if') {
      continue;
    } else {
      detail = { path: e.instancePath, message: e.message ?? 'is invalid' };
    }
    if (!details.some((d) => d.path === detail.path && d.message === detail.message)) details.push(detail);
  }
  return details;
}

/** Validates; on failure `message` (a whole sentence, e.g. "The configuration is invalid.") with the details. */
function check<T>(validate: ValidateFunction<T>, value: unknown, message: string): T {
  if (validate(value)) return value;
  throw new ActionError('invalid_request', message, { details: describeErrors(validate.errors) });
}

/**
 * Validates an authorization body. The three shapes share fields, so on failure the errors come from the shape the
 * body evidently meant (by `type`, and `apiKeySid` for an API key) instead of ajv's three-way oneOf noise.
 */
export function parseAuthorization(value: unknown): AuthorizationInput {
  if (validators.authorization()(value)) return value;
  if (isRecord(value) && value.type === 'user-authorized') return check(validators.userAuthorized(), value, 'The authorization is invalid.');
  if (isRecord(value) && value.type === 'pre-authorized') {
    const apiKey = 'apiKeySid' in value || 'apiKeySecret' in value;
    if (apiKey && 'authToken' in value) {
      throw new ActionError('invalid_request', 'The authorization is invalid.', {
        details: [{ path: '/authToken', message: 'give either authToken, or apiKeySid with apiKeySecret, not both' }],
      });
    }
    return apiKey ? check(validators.apiKey(), value, 'The authorization is invalid.') : check(validators.authToken(), value, 'The authorization is invalid.');
  }
  throw new ActionError('invalid_request', 'The authorization is invalid.', {
    details: isRecord(value)
      ? [{ path: '/type', message: 'must be "pre-authorized" or "user-authorized"' }]
      : [{ path: '', message: 'must be an object' }],
  });
}

/** Validates an action configuration. */
export function parseActionConfig(value: unknown): ActionConfig {
  const config = check(validators.config(), value, 'The configuration is invalid.');
  const details = templateLengthProblems(config);
  if (details.length > 0) throw new ActionError('invalid_request', 'The configuration is invalid.', { details });
  return config;
}

/** Twilio's limit on a message body (error 21617 above it). */
const MAX_SMS_BODY = 1600;
const PLACEHOLDER = '{{code}}';

/**
 * Templates whose SMS would pass Twilio's 1600 characters once each {{code}} holds a code of the configured length
 * (6 by default): saved, every code sent from them would fail.
 */
function templateLengthProblems(config: ActionConfig): ErrorDetail[] {
  const digits = config.codeLength ?? 6;
  const problems: ErrorDetail[] = [];
  for (const [usage, template] of Object.entries(config.messageTemplates ?? {})) {
    if (typeof template !== 'string') continue;
    const sent = template.split(PLACEHOLDER).join('0'.repeat(digits)).length;
    if (sent > MAX_SMS_BODY) {
      problems.push({
        path: `/messageTemplates/${usage}`,
        message: `is too long: with a ${digits}-digit code its SMS has ${sent} characters, and Twilio sends at most ${MAX_SMS_BODY} (shorten it by ${sent - MAX_SMS_BODY})`,
      });
    }
  }
  return problems;
}
/** Validates a new auth profile. */
export const parseAuthProfile = (value: unknown): AuthProfileInput => check(validators.profile(), value, 'The auth profile is invalid.');
/** Validates an auth profile update. */
export const parseAuthProfileUpdate = (value: unknown): AuthProfileUpdate =>
  check(validators.profileUpdate(), value, 'The auth profile is invalid.');
/** Validates what an end user supplies. */
export const parseUserCredentials = (value: unknown): UserCredentialsInput =>
  check(validators.userCredentials(), value, 'The credentials are invalid.');
/** Validates an empty body (`{}`). */
export const parseEmptyBody = (value: unknown): Record<string, never> => check(validators.empty(), value, 'The body is invalid.');
/** Validates the audit query string. */
export const parseAuditQuery = (value: unknown): AuditQuery => check(validators.auditQuery(), value, 'The query is invalid.');

/** Validates a delete confirmation; a missing or wrong confirmation is its own error code. */
export function parseDeleteAction(value: unknown): DeleteActionInput {
  if (validators.deleteAction()(value)) return value;
  throw new ActionError(
    'confirmation_required',
    'Deleting erases every stored credential. Confirm with { "confirm": "twilio-verify" } (CLI: --confirm twilio-verify).',
    { details: describeErrors(validators.deleteAction().errors) },
  );
}

const PROFILE_NAME = new RegExp(PATTERNS.profileName, 'u');
/** Channel and user ids as Bot Framework channels make them, minus anything that could act as a path. */
const BOT_ID = /^(?!.*\.\.)[A-Za-z0-9_.:@|=+-]{1,256}$/u;

/** Validates an auth profile name taken from a path or an argument. */
export function parseProfileName(name: string, path = '/name'): string {
  if (PROFILE_NAME.test(name)) return name;
  throw new ActionError('invalid_request', 'The profile name is invalid.', {
    details: [{ path, message: PATTERN_HELP[PATTERNS.profileName] ?? 'is invalid' }],
  });
}

/** "channel id" for `/params/channelId`, "user id" for `/userId`: the name a person reads in a message. */
function idName(path: string): string {
  const last = path.split('/').pop() ?? '';
  return last.replace(/Id$/, ' id').replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`).trim() || 'id';
}

/** Validates a channel id or user id taken from a path or an activity. */
export function parseBotId(id: string, path: string): string {
  if (BOT_ID.test(id)) return id;
  throw new ActionError('invalid_request', `The ${idName(path)} is invalid.`, {
    details: [
      {
        path,
        message: 'must be 1 to 256 characters: letters, digits and _ . : @ | = + - (no "..", no slashes)',
      },
    ],
  });
}
