import { isRecord } from '../json';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { CountryCode } from 'libphonenumber-js';
import { TwilioActionError } from './errors';
import { readPhone } from './phone';

let shared: Ajv | undefined;

/** The options of the gateway's Ajv (test/schemas.test.ts compiles every operation schema with them). */
export const GATEWAY_AJV_OPTIONS = { allErrors: true, useDefaults: true, verbose: true, strictSchema: true, strictNumbers: true, strictTuples: true, strictTypes: false, strictRequired: false } as const;

/**
 * One Ajv for the gateway, created on first use (no work at import time). Our operation schemas are not checked
 * against the meta-schema at run time (`validateSchema: false`: that compiled the meta-schema on every start);
 * test/schemas.test.ts does it once.
 */
function ajv(): Ajv {
  if (!shared) {
    shared = new Ajv({ ...GATEWAY_AJV_OPTIONS, validateSchema: false });
    addFormats(shared);
  }
  return shared;
}

/** Compiles once, on first call. */
export function lazyValidator<T>(schema: object): () => ValidateFunction<T> {
  let compiled: ValidateFunction<T> | undefined;
  return () => {
    compiled ??= ajv().compile<T>(schema);
    return compiled;
  };
}

/** Twilio spells parameters in PascalCase: `serviceSid` is `ServiceSid`, `to` is `To`. */
export function twilioParamName(property: string): string {
  return property.charAt(0).toUpperCase() + property.slice(1);
}

function paramOf(instancePath: string): string {
  const [first = '', ...rest] = instancePath.split('/').filter((part) => part !== '');
  return [twilioParamName(decodeURIComponent(first.replace(/~1/g, '/').replace(/~0/g, '~'))), ...rest].join('.');
}

function describedAs(schema: unknown): string | undefined {
  if (!isRecord(schema) || typeof schema.description !== 'string') return undefined;
  const text = schema.description.trim().replace(/\.$/, '');
  return text ? `Expected ${text.charAt(0).toLowerCase()}${text.slice(1)}` : undefined;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function lengthHint(schema: Record<string, unknown>): string {
  const { minLength: min, maxLength: max } = schema;
  if (typeof min === 'number' && typeof max === 'number') return min === max ? `Use exactly ${min} characters` : `Use ${min} to ${max} characters`;
  if (typeof max === 'number') return `Use at most ${max} characters`;
  return `Use at least ${String(min)} characters`;
}

function rangeHint(schema: Record<string, unknown>): string {
  const { minimum: min, maximum: max } = schema;
  if (typeof min === 'number' && typeof max === 'number') return `Use a number from ${min} to ${max}`;
  if (typeof max === 'number') return `Use a number up to ${max}`;
  return `Use a number of at least ${String(min)}`;
}

function requiredNames(branch: unknown): string {
  const required = isRecord(branch) && Array.isArray(branch.required) ? branch.required : [];
  return required.map((name) => twilioParamName(String(name))).join(' and ');
}

/** A parameter that holds nothing but white space: saying "use 1 to 1600 characters" would suggest it was too long. */
export function blankProblem(param: string): string {
  return `Invalid parameter: ${param}. It is empty: give some text, not only spaces or line breaks`;
}

/** True for '' and for text made of white space only. */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** Characters as Twilio counts its 1600-character limit, and as people count them: Unicode code points ("😀" is 1). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * A C0 control character other than tab, line feed and carriage return (a NUL, an escape…): an SMS cannot carry it
 * and Twilio would pass it on or fail later. Returns a sentence naming it and where it is (counted in characters).
 */
export function controlCharacterProblem(param: string, text: string): string | undefined {
  let position = 0;
  for (const ch of text) {
    position += 1;
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 && ch !== '\n' && ch !== '\r' && ch !== '\t') {
      const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
      return `Invalid parameter: ${param}. It contains an invisible control character (${name}) at character ${position} that an SMS cannot carry: remove it`;
    }
  }
  return undefined;
}

/**
 * A number with an extension ("+14155550123 ext. 5", "tel:+14155550123;ext=5"): libphonenumber reads the number and
 * keeps the extension aside, and sending to the number alone would reach someone else's desk. Returns a sentence.
 */
export function phoneExtensionProblem(param: string, text: string, defaultRegion?: CountryCode): string | undefined {
  const trimmed = text.trim().replace(/^tel:/i, '');
  if (trimmed === '' || trimmed.length > 60) return undefined;
  const ext = readPhone(trimmed, defaultRegion)?.ext;
  if (ext === undefined || ext === '') return undefined;
  return `Invalid parameter: ${param}. An SMS cannot reach an extension (ext. ${ext}): give the number without it`;
}

/** One sentence per problem, in the words of the product: `Invalid parameter: Body. Use 1 to 1600 characters`. */
function problemOf(error: ErrorObject): string | undefined {
  const parent = isRecord(error.parentSchema) ? error.parentSchema : {};
  const param = paramOf(error.instancePath);
  if ((error.keyword === 'minLength' || error.keyword === 'maxLength') && typeof error.data === 'string' && isBlank(error.data)) {
    return blankProblem(param);
  }
  switch (error.keyword) {
    case 'required': {
      const missing = String(error.params.missingProperty);
      const properties = isRecord(parent.properties) ? parent.properties : {};
      const hint = describedAs(properties[missing]);
      const name = [param, twilioParamName(missing)].filter(Boolean).join('.');
      return `Missing parameter: ${name}${hint ? `. ${hint}` : ''}`;
    }
    case 'additionalProperties': {
      const extra = twilioParamName(String(error.params.additionalProperty));
      const allowed = isRecord(parent.properties) ? Object.keys(parent.properties).map(twilioParamName).join(', ') : '';
      return `Unknown parameter: ${[param, extra].filter(Boolean).join('.')}${allowed ? `. Allowed: ${allowed}` : ''}`;
    }
    case 'oneOf': {
      const branches = Array.isArray(parent.oneOf) ? parent.oneOf.map(requiredNames).filter(Boolean) : [];
      const names = branches.join(' or ');
      return Array.isArray(error.params.passingSchemas)
        ? `Conflicting parameters: give only one of ${names}, not both`
        : `Missing parameter: give exactly one of ${names}`;
    }
    case 'minProperties': {
      const required = Array.isArray(parent.required) ? parent.required.map(String) : [];
      const optional = isRecord(parent.properties) ? Object.keys(parent.properties).filter((key) => !required.includes(key)) : [];
      return `Missing parameter: give at least one of ${optional.map(twilioParamName).join(', ')}`;
    }
    case 'type': {
      const expected = String(error.params.type).split(',').map((type) => TYPE_WORDS[type] ?? type).join(' or ');
      return `Invalid parameter: ${param}. Use ${expected}`;
    }
    case 'enum': {
      const values = Array.isArray(error.params.allowedValues) ? error.params.allowedValues.map(String).join(', ') : '';
      return `Invalid parameter: ${param}. Use one of: ${values}`;
    }
    case 'minLength':
    case 'maxLength':
      return `Invalid parameter: ${param}. ${lengthHint(parent)}`;
    case 'minimum':
    case 'maximum':
      return `Invalid parameter: ${param}. ${rangeHint(parent)}`;
    default: {
      const hint = describedAs(parent);
      return `Invalid parameter: ${param}. ${hint ?? `It ${error.message ?? 'is not valid'}`}`;
    }
  }
}

/** The first parameter named in a problem sentence. */
function paramOfProblem(problem: string): string | undefined {
  return /^(?:Missing|Invalid|Unknown|Conflicting) parameters?: (?:give (?:exactly|only|at least) one of )?([A-Za-z]\w*(?:\.[A-Za-z]\w*)*)/.exec(problem)?.[1];
}

/** Turns ajv errors into one TwilioActionError 'invalid_input' that lists every problem. */
export function invalidInputError(errors: readonly ErrorObject[] | null | undefined): TwilioActionError {
  const problems: string[] = [];
  for (const error of errors ?? []) {
    // The errors inside a oneOf branch only explain why that branch failed; the oneOf error says it better.
    if (error.schemaPath.includes('/oneOf/')) continue;
    const problem = problemOf(error);
    if (problem && !problems.includes(problem)) problems.push(problem);
  }
  if (problems.length === 0) problems.push('Invalid input. Use an object with the documented parameters');
  return inputProblemsError(problems);
}

/** One 'invalid_input' error from a list of problem sentences. */
export function inputProblemsError(problems: readonly string[]): TwilioActionError {
  const param = problems.map(paramOfProblem).find((name) => name !== undefined);
  return new TwilioActionError({
    code: 'invalid_input',
    status: 0,
    twilioMessage: problems.join('; '),
    problems,
    ...(param ? { param } : {}),
  });
}

/**
 * Collects the checks that a JSON Schema cannot express (phone numbers, e-mail addresses), so that one error reports
 * every problem at once.
 */
export class InputProblems {
  private readonly problems: string[] = [];

  /**
   * Runs `check`. An 'invalid_input' TwilioActionError is recorded and `fallback` returned: `throwIfAny()` then
   * throws before the fallback can be used.
   */
  collect<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (error) {
      if (error instanceof TwilioActionError && error.code === 'invalid_input') {
        this.problems.push(...(error.problems.length > 0 ? error.problems : [error.twilioMessage]));
        return fallback;
      }
      throw error;
    }
  }

  add(problem: string): void {
    this.problems.push(problem);
  }

  /** Throws when anything was recorded. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw inputProblemsError(this.problems);
  }
}
