/**
 * Twilio's request signature (`X-Twilio-Signature`), checked with the official SDK's own `validateRequest`: an
 * HMAC-SHA1, keyed with the Auth Token of the account that sent the message, of the URL Twilio called followed by
 * the POST parameters sorted by name. Fails closed: a missing header, a missing token or any mismatch is "invalid".
 */
import twilio from 'twilio';

export interface SignedRequest {
  /** The full URL Twilio called (built from PUBLIC_BASE_URL behind a proxy), query string included. */
  url: string;
  /** The form parameters, each name once (Twilio's status callbacks repeat none). */
  params: Readonly<Record<string, string>>;
  signature: string | undefined;
}

/** True only when `signature` is Twilio's signature of this request with `authToken`. */
export function isSignedByTwilio(request: SignedRequest, authToken: string | undefined): boolean {
  if (request.signature === undefined || request.signature === '' || authToken === undefined || authToken === '') return false;
  return twilio.validateRequest(authToken, request.signature, request.url, { ...request.params });
}
