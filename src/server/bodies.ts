/**
 * The JSON Schemas of the bodies and forms the server reads itself (the admin API's bodies are the action's, see
 * `schemas/admin/*.json`): the template upgrade body, a Bot Framework activity, and the authorization link form.
 * Each is validated by ajv (the action's shared strict instance, each validator compiled on first use), then typed
 * from its schema; a refusal is an {@link HttpError} 400 naming each problem.
 */
import type { ErrorObject } from 'ajv/dist/2020';
import type { FromSchema } from 'json-schema-to-ts';
import type { ErrorDetail } from '../auth';
import { lazyValidator } from '../auth/validation';
import { HttpError } from './http';
import { ACCOUNT_SID_RULE, operations, SECRET_RULE } from '../twilio';
import { SIGN_IN_BODY_SCHEMA, type SignInBody } from './console-contract';

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ajv's errors as details: a missing field is named by its own path. */
function detailsOf(errors: ErrorObject[] | null | undefined): ErrorDetail[] {
  return (errors ?? []).map((e): ErrorDetail => {
    const params: Record<string, unknown> = e.params;
    const missing = params['missingProperty'];
    if (typeof missing === 'string') return { path: `${e.instancePath}/${missing}`, message: 'is required' };
    const extra = params['additionalProperty'];
    if (typeof extra === 'string') return { path: `${e.instancePath}/${extra}`, message: 'unknown property' };
    return { path: e.instancePath, message: e.message ?? 'is invalid' };
  });
}

/** `POST /api/admin/templates/:id/upgrade`: no body, `{}`, or `{ "force": boolean }`. */
export const UPGRADE_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { force: { type: 'boolean' } },
} as const;

const validateUpgrade = lazyValidator<FromSchema<typeof UPGRADE_BODY_SCHEMA>>(UPGRADE_BODY_SCHEMA);

/** The upgrade body, or a 400 `invalid_request` saying which field is wrong. */
export function parseUpgradeBody(body: unknown): { force: boolean } {
  if (body === undefined) return { force: false };
  if (!isObject(body)) throw new HttpError(400, 'invalid_request', 'The body must be a JSON object.', [{ path: '', message: 'must be object' }]);
  if (validateUpgrade()(body)) return { force: body.force === true };
  const details = detailsOf(validateUpgrade().errors);
  const unknown = details.find((d) => d.message === 'unknown property');
  if (unknown) {
    const name = unknown.path.slice(1);
    throw new HttpError(400, 'invalid_request', `Unknown property "${name}": only "force" is accepted.`, [unknown]);
  }
  throw new HttpError(400, 'invalid_request', '"force" must be true or false.', details);
}

/** The fields of an activity the server relies on; everything else is botbuilder's to read. */
export const ACTIVITY_SCHEMA = {
  type: 'object',
  required: ['type', 'channelId', 'serviceUrl', 'conversation', 'from'],
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 64 },
    id: { type: 'string', maxLength: 1024 },
    text: { type: 'string' },
    channelId: { type: 'string', minLength: 1, maxLength: 256 },
    serviceUrl: { type: 'string', minLength: 1, maxLength: 2048 },
    deliveryMode: { type: 'string', maxLength: 64 },
    conversation: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1, maxLength: 1024 } },
    },
    from: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string', minLength: 1, maxLength: 1024 } },
    },
  },
} as const;

export type IncomingActivity = FromSchema<typeof ACTIVITY_SCHEMA>;

const validateActivity = lazyValidator<IncomingActivity>(ACTIVITY_SCHEMA);

/** The activity, checked against {@link ACTIVITY_SCHEMA}; a 400 `invalid_activity` naming every problem otherwise. */
export function parseActivity(body: unknown): IncomingActivity {
  if (!isObject(body)) {
    throw new HttpError(400, 'invalid_activity', 'The body must be a JSON object: a Bot Framework activity.', [
      { path: '', message: 'must be object' },
    ]);
  }
  if (validateActivity()(body)) return body;
  const details = detailsOf(validateActivity().errors);
  const first = details[0];
  throw new HttpError(400, 'invalid_activity', `The activity is malformed${first ? `: ${first.path || 'body'} ${first.message}` : ''}.`, details);
}

/** The authorization link form (`POST /auth/:token`); `tenant` only for profiles with tenancy. */
export const LINK_FORM_SCHEMA = {
  type: 'object',
  required: ['accountSid', 'authToken'],
  additionalProperties: false,
  properties: {
    // The admin API's own rules (src/twilio/credentials.ts): the page accepts what the admin API accepts.
    accountSid: { type: 'string', pattern: ACCOUNT_SID_RULE.pattern },
    authToken: { type: 'string', pattern: SECRET_RULE.pattern },
    tenant: { type: 'string', pattern: '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$' },
  },
} as const;

export type LinkForm = FromSchema<typeof LINK_FORM_SCHEMA>;

const validateLinkForm = lazyValidator<LinkForm>(LINK_FORM_SCHEMA);

const LINK_FORM_PROBLEMS: Readonly<Record<keyof LinkForm, string>> = {
  accountSid: `This must be ${ACCOUNT_SID_RULE.help}.`,
  authToken: `An Auth Token is ${SECRET_RULE.help}.`,
  tenant: 'A tenant is a host name label: letters, digits and inner hyphens, up to 63 characters.',
};

/** The link form's values (trimmed), and what is wrong with each field: a sentence per field, shown next to it. */
export function parseLinkForm(form: URLSearchParams, tenancy: boolean): { values: LinkForm; problems: Partial<Record<keyof LinkForm, string>> } {
  const values: LinkForm = {
    accountSid: (form.get('accountSid') ?? '').trim(),
    authToken: (form.get('authToken') ?? '').trim(),
    ...(tenancy ? { tenant: (form.get('tenant') ?? '').trim() } : {}),
  };
  const problems: Partial<Record<keyof LinkForm, string>> = {};
  if (validateLinkForm()(values)) return { values, problems };
  for (const detail of detailsOf(validateLinkForm().errors)) {
    const field = detail.path.slice(1);
    if (field === 'accountSid' || field === 'authToken' || field === 'tenant') problems[field] = LINK_FORM_PROBLEMS[field];
  }
  return { values, problems };
}

const validateSignIn = lazyValidator<SignInBody>(SIGN_IN_BODY_SCHEMA);

/** The sign-in body, or a 400 `invalid_request` naming the wrong field. */
export function parseSignInBody(body: unknown): { token: string } {
  if (body !== undefined && isObject(body) && validateSignIn()(body)) return { token: body.token };
  const details = body === undefined ? [{ path: '/token', message: 'is required' }] : detailsOf(validateSignIn().errors);
  throw new HttpError(400, 'invalid_request', 'Send {"token": "<ADMIN_TOKEN>"} as JSON.', details.length ? details : [{ path: '', message: 'must be object' }]);
}

/* The Verify Service bodies are the createService / updateService operations' inputs: one schema, one truth. */
const validateCreateService = lazyValidator(operations.createService.inputSchema);
const validateUpdateService = lazyValidator(operations.updateService.inputSchema);

const SERVICE_SETTINGS_HINT =
  'Send the settings as JSON, e.g. {"friendlyName": "Acme", "codeLength": 6}: friendlyName (1 to 30 characters), codeLength, lookupEnabled, skipSmsToLandlines, dtmfInputRequired, ttsName, psd2Enabled, doNotShareWarningEnabled, customCodeEnabled, defaultTemplateSid, pushIncludeDate, pushApnCredentialSid, pushFcmCredentialSid.';

/** `POST /api/admin/services`: the createService operation's input, or a 400 `invalid_request` naming the wrong field. */
export function parseCreateServiceBody(body: unknown): Record<string, unknown> {
  if (body !== undefined && isObject(body) && validateCreateService()(body)) return { ...body };
  const details = body === undefined ? [{ path: '/friendlyName', message: 'is required' }] : detailsOf(validateCreateService().errors);
  throw new HttpError(400, 'invalid_request', SERVICE_SETTINGS_HINT, details.length ? details : [{ path: '', message: 'must be object' }]);
}

/** `PUT /api/admin/services/:sid`: the updateService operation's input without `serviceSid` (at least one setting). */
export function parseUpdateServiceBody(serviceSid: string, body: unknown): Record<string, unknown> {
  if (isObject(body) && !('serviceSid' in body)) {
    const input = { ...body, serviceSid };
    if (validateUpdateService()(input)) return { ...body };
    const details = detailsOf(validateUpdateService().errors).map((d) =>
      d.path === '' && d.message.includes('fewer than 2') ? { path: '', message: 'names at least one setting' } : d,
    );
    throw new HttpError(400, 'invalid_request', SERVICE_SETTINGS_HINT, details);
  }
  throw new HttpError(400, 'invalid_request', SERVICE_SETTINGS_HINT, [{ path: '', message: 'must be an object of settings (the SID is in the path)' }]);
}
