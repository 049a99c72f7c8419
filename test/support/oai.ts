/**
 * Compiles response schemas out of Twilio's official OpenAPI specs into ajv validators. The specs are vendored in
 * test/fixtures/twilio-oai (the paths the emulator serves, from twilio/twilio-oai; see vendor-twilio-oai.ts).
 *
 * The specs are OpenAPI 3.0.1, not JSON Schema, so each schema is rewritten before compiling:
 * - `#/components/schemas/...` references are inlined;
 * - `nullable: true` becomes a `[type, "null"]` union (enum references become nullable too: Twilio returns null
 *   for enum fields such as a message's `status` when it has no value);
 * - every property an object schema lists becomes required: the specs mark none, but Twilio returns every field
 *   (null when empty), and so must anything that pretends to be Twilio;
 * - Twilio's own formats are registered: `date-time-rfc-2822`, `phone-number`, `currency`, `uri-map` (an object of
 *   URI strings), and `uri` (absolute URL or an absolute path: the 2010 API's `uri` fields are relative).
 * Set TWILIO_OAI_DIR to read the specs from elsewhere.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export type OaiSpec = 'api' | 'verify';
export type OaiMethod = 'get' | 'post' | 'delete';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const FILES: Record<OaiSpec, string> = { api: 'twilio_api_v2010.json', verify: 'twilio_verify_v2.json' };

/** Where the specs live: TWILIO_OAI_DIR (e.g. the full specs), else the vendored subset in test/fixtures/twilio-oai. */
export function oaiDir(): string {
  return process.env['TWILIO_OAI_DIR'] ?? resolve(__dirname, '..', 'fixtures', 'twilio-oai');
}

const specs = new Map<OaiSpec, JsonObject>();

/** The parsed OpenAPI document. */
export function loadSpec(spec: OaiSpec): JsonObject {
  let doc = specs.get(spec);
  if (!doc) {
    doc = JSON.parse(readFileSync(resolve(oaiDir(), FILES[spec]), 'utf8')) as JsonObject;
    specs.set(spec, doc);
  }
  return doc;
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function child(node: Json | undefined, ...keys: string[]): Json | undefined {
  let current = node;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Keywords that JSON Schema does not know (OpenAPI / Twilio annotations). */
const DROPPED = new Set(['nullable', 'example', 'examples', 'externalDocs', 'readOnly', 'writeOnly', 'xml', 'discriminator', 'deprecated']);

const DEFAULT_OPTIONS = { requireAll: true } as const;

/** Rewrites an OpenAPI schema into JSON Schema (see the file comment). */
export function toJsonSchema(spec: OaiSpec, schema: Json, options: { requireAll?: boolean } = DEFAULT_OPTIONS, seen: string[] = []): Json {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(spec, s, options, seen));
  if (!isObject(schema)) return schema;
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    if (name === undefined) throw new Error(`unsupported $ref ${ref}`);
    if (seen.includes(name)) throw new Error(`recursive schema ${[...seen, name].join(' -> ')}`);
    const target = child(loadSpec(spec), 'components', 'schemas', name);
    if (target === undefined) throw new Error(`unknown schema ${ref}`);
    const resolved = toJsonSchema(spec, target, options, [...seen, name]);
    return isObject(target) && Array.isArray(target['enum']) ? { anyOf: [resolved, { type: 'null' }] } : resolved;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (key === 'properties' && isObject(value)) {
      const props: JsonObject = {};
      for (const [name, prop] of Object.entries(value)) props[name] = toJsonSchema(spec, prop, options, seen);
      out[key] = props;
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = toJsonSchema(spec, value, options, seen);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((s) => toJsonSchema(spec, s, options, seen));
    } else {
      out[key] = value;
    }
  }
  if (schema['format'] === 'uri-map') {
    delete out['format'];
    out['additionalProperties'] = { type: 'string', format: 'uri' };
  }
  if (schema['nullable'] === true) {
    const type = out['type'];
    if (typeof type === 'string') out['type'] = [type, 'null'];
    if (Array.isArray(out['enum'])) out['enum'] = [...out['enum'], null];
  }
  if (options.requireAll !== false && isObject(out['properties'])) {
    out['required'] = Object.keys(out['properties']);
  }
  return out;
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';

function rfc2822(value: string): boolean {
  const m = new RegExp(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (${MONTHS}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) ([+-]\\d{4})$`).exec(value);
  if (!m) return false;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return false;
  // The weekday must agree with the date (for +0000, the only offset Twilio writes).
  return m[8] !== '+0000' || ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][date.getUTCDay()] === m[1];
}

let ajvInstance: Ajv | undefined;

/** The shared ajv instance with Twilio's formats. */
export function oaiAjv(): Ajv {
  if (!ajvInstance) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addFormat('date-time-rfc-2822', rfc2822);
    ajv.addFormat('phone-number', /^(\+[1-9]\d{1,14}|[a-z]+:\+?[\w.@+-]+|\d{3,6}|[A-Za-z0-9 ]{1,11})$/);
    ajv.addFormat('currency', /^[A-Z]{3}$/);
    ajv.addFormat('uri-map', () => true);
    ajv.addFormat('uri', (value: string) => /^\/\S*$/.test(value) || /^https?:\/\/[^\s/]+(\/\S*)?$/.test(value));
    // Twilio's Verify dates: ISO 8601 in UTC, e.g. 2026-11-22T02:05:36Z.
    ajv.addFormat('date-time', (value: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)));
    ajvInstance = ajv;
  }
  return ajvInstance;
}

const validators = new Map<string, ValidateFunction>();

/** The OAI path template's response schema (application/json) for a method and status, as JSON Schema. */
export function responseSchema(spec: OaiSpec, path: string, method: OaiMethod, status: number | string): Json {
  const schema = child(loadSpec(spec), 'paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema');
  if (schema === undefined) throw new Error(`${spec} spec has no JSON response schema for ${method.toUpperCase()} ${path} ${status}`);
  return toJsonSchema(spec, schema);
}

/** True when the spec declares `status` for the operation (with or without a body). */
export function declaresStatus(spec: OaiSpec, path: string, method: OaiMethod, status: number | string): boolean {
  return child(loadSpec(spec), 'paths', path, method, 'responses', String(status)) !== undefined;
}

/** An ajv validator for a response body, compiled once per (spec, path, method, status). */
export function responseValidator(spec: OaiSpec, path: string, method: OaiMethod, status: number | string): ValidateFunction {
  const key = `${spec} ${method} ${path} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = oaiAjv().compile(responseSchema(spec, path, method, status) as object);
    validators.set(key, validate);
  }
  return validate;
}

/** Twilio's error body: `{ code, message, more_info, status }`, every field present. */
export const TWILIO_ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message', 'more_info', 'status'],
  properties: {
    code: { type: 'integer' },
    message: { type: 'string', minLength: 1 },
    more_info: { type: 'string', pattern: '^https://www\\.twilio\\.com/docs/errors/\\d+$' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
  },
} as const;

/** A validator for Twilio's error body. */
export function errorValidator(): ValidateFunction {
  let validate = validators.get('error');
  if (!validate) {
    validate = oaiAjv().compile(TWILIO_ERROR_SCHEMA);
    validators.set('error', validate);
  }
  return validate;
}

/** Readable ajv errors, one per line. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('\n');
}

/** Throws with readable errors when `body` does not match the operation's response schema. */
export function assertMatchesResponse(spec: OaiSpec, path: string, method: OaiMethod, status: number, body: unknown): void {
  const validate = responseValidator(spec, path, method, status);
  if (!validate(body)) {
    throw new Error(`${method.toUpperCase()} ${path} ${status} does not match Twilio's schema:\n${describeErrors(validate.errors)}`);
  }
}
