/**
 * The console's HTTP contract as JSON Schemas (and the types made from them): what `/admin/session` and
 * `/api/admin/console-info` take and answer. No runtime imports, so the console's pages can import the types
 * (`import type`) without pulling the server into their bundle.
 */
import type { FromSchema } from 'json-schema-to-ts';

/** `POST /admin/session`: the admin token, typed into the console's sign-in form. */
export const SIGN_IN_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: { type: 'string', maxLength: 1024 } },
} as const;
export type SignInBody = FromSchema<typeof SIGN_IN_BODY_SCHEMA>;

/** What `POST` and `GET /admin/session` answer (200), and `DELETE` (`signedIn: false`). */
export const SESSION_REPLY_SCHEMA = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['signedIn', 'csrf', 'expiresAt'],
      properties: {
        signedIn: { const: true },
        /** Send as `X-CSRF-Token` with every request but GET. */
        csrf: { type: 'string' },
        expiresAt: { type: 'string', format: 'date-time' },
      },
    },
    { type: 'object', additionalProperties: false, required: ['signedIn'], properties: { signedIn: { const: false } } },
  ],
} as const;
export type SessionReply = FromSchema<typeof SESSION_REPLY_SCHEMA>;

/** `GET /api/admin/console-info`. */
export const CONSOLE_INFO_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['dev', 'outboxUrl'],
  properties: { dev: { type: 'boolean' }, outboxUrl: { type: ['string', 'null'] } },
} as const;
export type ConsoleInfo = FromSchema<typeof CONSOLE_INFO_SCHEMA>;

/** `POST /api/admin/services`: a Verify Service's name (Twilio shows it in the SMS: "Your <name> code is …"). */
export const CREATE_SERVICE_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['friendlyName'],
  properties: { friendlyName: { type: 'string', minLength: 1, maxLength: 30 } },
} as const;
export type CreateServiceBody = FromSchema<typeof CREATE_SERVICE_BODY_SCHEMA>;
