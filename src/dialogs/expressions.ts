/**
 * The dialog expression language (docs/DIALOGS.md, "Expressions"): parsed with jsep, checked into our own small AST,
 * and evaluated by the interpreter below. Never `eval` or `Function`: an expression can only read own properties of
 * plain data in its scope and call the listed functions.
 */
import jsep from 'jsep';
import { verifyLocaleFor } from '../twilio';

/** Names an expression may start from. */
export const EXPRESSION_NAMES = ['entities', 'context', 'config', 'result', 'error', 'user', 'dialog', 'turn'] as const;
export type ExpressionName = (typeof EXPRESSION_NAMES)[number];

/** Functions an expression may call, with their number of arguments. */
const FUNCTION_ARITY = { len: 1, lower: 1, upper: 1, mask: 1, now: 0, minutes: 1, verifyLocale: 1 } as const;
type FunctionName = keyof typeof FUNCTION_ARITY;
export const EXPRESSION_FUNCTIONS = Object.keys(FUNCTION_ARITY) as FunctionName[];

const BINARY_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*', '/'] as const;
type BinaryOperator = (typeof BINARY_OPERATORS)[number];
const UNARY_OPERATORS = ['!', '-'] as const;
type UnaryOperator = (typeof UNARY_OPERATORS)[number];

/** Member names that lead out of plain data; refused when written and never read when computed. */
const BLOCKED_MEMBERS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Longest expression source, longest string an expression may build, deepest expression tree. */
export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_STRING_LENGTH = 10_000;
const MAX_DEPTH = 40;
const CACHE_LIMIT = 2000;

/** What every expression sees. Missing names read as `null`. */
export type ExpressionScope = Partial<Record<ExpressionName, unknown>>;

export interface EvaluationOptions {
  /** The clock behind `now()`; defaults to the system clock. */
  now?: () => Date;
}

/** An expression that does not parse, uses something outside the language, or breaks a limit while running. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** A checked expression tree. */
export type Expression =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'name'; name: ExpressionName }
  | { kind: 'member'; object: Expression; property: string | Expression }
  | { kind: 'call'; fn: FunctionName; args: Expression[] }
  | { kind: 'unary'; op: UnaryOperator; argument: Expression }
  | { kind: 'binary'; op: BinaryOperator; left: Expression; right: Expression }
  | { kind: 'conditional'; test: Expression; consequent: Expression; alternate: Expression };

const expressionCache = new Map<string, Expression>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  // A full cache is simply dropped: dialogs hold a few hundred distinct expressions at most.
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

function checkNode(node: jsep.Expression, source: string, depth: number): Expression {
  if (depth > MAX_DEPTH) throw new ExpressionError('The expression is nested too deeply.', source);
  const fail = (message: string): never => {
    throw new ExpressionError(message, source);
  };
  switch (node.type) {
    case 'Literal': {
      const value = node['value'];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) {
        return { kind: 'literal', value };
      }
      return fail('Only string, number, true, false and null literals are allowed.');
    }
    case 'Identifier': {
      const name = node['name'];
      if (isOneOf(EXPRESSION_NAMES, name)) return { kind: 'name', name };
      return fail(`Unknown name "${String(name)}": use one of ${EXPRESSION_NAMES.join(', ')}.`);
    }
    case 'MemberExpression': {
      const object = checkNode(node['object'] as jsep.Expression, source, depth + 1);
      const property = node['property'] as jsep.Expression;
      if (node['optional'] === true) fail('Optional chaining (?.) is not needed: missing members read as null.');
      if (node['computed'] !== true) {
        const name = property['name'];
        if (property.type !== 'Identifier' || typeof name !== 'string') return fail('Invalid member access.');
        if (BLOCKED_MEMBERS.has(name)) fail(`"${name}" cannot be read in an expression.`);
        return { kind: 'member', object, property: name };
      }
      const checked = checkNode(property, source, depth + 1);
      if (checked.kind === 'literal' && typeof checked.value === 'string' && BLOCKED_MEMBERS.has(checked.value)) {
        fail(`"${checked.value}" cannot be read in an expression.`);
      }
      return { kind: 'member', object, property: checked };
    }
    case 'CallExpression': {
      const callee = node['callee'] as jsep.Expression;
      const name = callee['name'];
      if (callee.type !== 'Identifier' || typeof name !== 'string' || !Object.hasOwn(FUNCTION_ARITY, name)) {
        return fail(`Only these functions can be called: ${EXPRESSION_FUNCTIONS.join(', ')}.`);
      }
      const fn = name as FunctionName;
      const args = (node['arguments'] as jsep.Expression[]).map((arg) => checkNode(arg, source, depth + 1));
      if (args.length !== FUNCTION_ARITY[fn]) {
        fail(`${fn}() takes ${FUNCTION_ARITY[fn]} argument${FUNCTION_ARITY[fn] === 1 ? '' : 's'}, not ${args.length}.`);
      }
      return { kind: 'call', fn, args };
    }
    case 'UnaryExpression': {
      const op = node['operator'];
      if (!isOneOf(UNARY_OPERATORS, op)) return fail(`The operator "${String(op)}" is not allowed.`);
      return { kind: 'unary', op, argument: checkNode(node['argument'] as jsep.Expression, source, depth + 1) };
    }
    case 'BinaryExpression': {
      const op = node['operator'];
      if (!isOneOf(BINARY_OPERATORS, op)) {
        return fail(`The operator "${String(op)}" is not allowed (use ${BINARY_OPERATORS.join(' ')}).`);
      }
      return {
        kind: 'binary',
        op,
        left: checkNode(node['left'] as jsep.Expression, source, depth + 1),
        right: checkNode(node['right'] as jsep.Expression, source, depth + 1),
      };
    }
    case 'ConditionalExpression':
      return {
        kind: 'conditional',
        test: checkNode(node['test'] as jsep.Expression, source, depth + 1),
        consequent: checkNode(node['consequent'] as jsep.Expression, source, depth + 1),
        alternate: checkNode(node['alternate'] as jsep.Expression, source, depth + 1),
      };
    default:
      return fail(`${describeJsepType(node.type)} is not part of the expression language.`);
  }
}

function describeJsepType(type: string): string {
  switch (type) {
    case 'Compound':
    case 'SequenceExpression':
      return 'A sequence of expressions';
    case 'ArrayExpression':
      return 'An array literal';
    case 'ThisExpression':
      return '"this"';
    default:
      return `"${type}"`;
  }
}

/** Parses and checks an expression (cached). Throws ExpressionError with a readable message. */
export function compileExpression(source: string): Expression {
  const cached = expressionCache.get(source);
  if (cached) return cached;
  if (source.trim() === '') throw new ExpressionError('The expression is empty.', source);
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`The expression is longer than ${MAX_EXPRESSION_LENGTH} characters.`, source);
  }
  let tree: jsep.Expression;
  try {
    tree = jsep(source);
  } catch (err) {
    throw new ExpressionError(`The expression does not parse: ${(err as Error).message}.`, source);
  }
  return remember(expressionCache, source, checkNode(tree, source, 0));
}

/** Parses an expression and reports the problem as a sentence instead of throwing. */
export function checkExpression(source: string): { ok: true } | { ok: false; message: string } {
  try {
    compileExpression(source);
    return { ok: true };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Only data leaves the scope: functions and class instances read as null. */
function asData(value: unknown): unknown {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isPlainObject(value)) return null;
  return value;
}

function readMember(object: unknown, key: unknown): unknown {
  if (Array.isArray(object)) {
    return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < object.length
      ? asData(object[key])
      : null;
  }
  if (!isPlainObject(object) || typeof key !== 'string' || BLOCKED_MEMBERS.has(key)) return null;
  return Object.hasOwn(object, key) ? asData(object[key]) : null;
}

/** How conditions read a value: null, false, 0, NaN and '' are false; everything else is true. */
export function isTruthy(value: unknown): boolean {
  return !(value === null || value === undefined || value === false || value === 0 || value === '' || Number.isNaN(value));
}

function numeric(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Equality without JavaScript's coercion surprises: same value, or a number and a numeric string. */
function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'string') return numeric(b) === a;
  if (typeof a === 'string' && typeof b === 'number') return numeric(a) === b;
  return false;
}

function compare(a: unknown, b: unknown): number | null {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = numeric(a);
  const y = numeric(b);
  if (x === null || y === null || (typeof a !== 'number' && typeof b !== 'number')) return null;
  return x - y;
}

/** How a value reads inside text: null is empty, data is JSON. */
export function displayValue(value: unknown): string {
  const data = asData(value);
  if (data === null) return '';
  if (typeof data === 'string') return data;
  if (typeof data === 'number' || typeof data === 'boolean') return String(data);
  return JSON.stringify(data);
}

function boundedString(value: string, source: string): string {
  if (value.length > MAX_STRING_LENGTH) {
    throw new ExpressionError(`The expression built a string longer than ${MAX_STRING_LENGTH} characters.`, source);
  }
  return value;
}

function callFunction(fn: FunctionName, args: unknown[], source: string, options: EvaluationOptions): unknown {
  const [arg] = args;
  switch (fn) {
    case 'len':
      if (typeof arg === 'string' || Array.isArray(arg)) return arg.length;
      if (isPlainObject(arg)) return Object.keys(arg).length;
      return 0;
    case 'lower':
      return arg === null ? null : displayValue(arg).toLowerCase();
    case 'upper':
      return arg === null ? null : boundedString(displayValue(arg).toUpperCase(), source);
    case 'mask': {
      // Shows the last four characters only; shorter values reveal nothing.
      if (arg === null) return null;
      const text = displayValue(arg);
      return text.length > 4 ? `…${text.slice(-4)}` : '…';
    }
    case 'now':
      return (options.now?.() ?? new Date()).toISOString();
    case 'minutes': {
      const seconds = numeric(arg);
      return seconds === null ? null : Math.ceil(seconds / 60);
    }
    case 'verifyLocale':
      // A user's language tag as a Locale Twilio Verify lists, or null (left out: Twilio picks by the number's country).
      return verifyLocaleFor(arg);
  }
}

function run(node: Expression, scope: ExpressionScope, source: string, options: EvaluationOptions): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      return Object.hasOwn(scope, node.name) ? asData(scope[node.name]) : null;
    case 'member': {
      const object = run(node.object, scope, source, options);
      const key = typeof node.property === 'string' ? node.property : run(node.property, scope, source, options);
      return readMember(object, key);
    }
    case 'call':
      return callFunction(
        node.fn,
        node.args.map((arg) => run(arg, scope, source, options)),
        source,
        options,
      );
    case 'unary': {
      const value = run(node.argument, scope, source, options);
      if (node.op === '!') return !isTruthy(value);
      return typeof value === 'number' ? -value : null;
    }
    case 'conditional':
      return isTruthy(run(node.test, scope, source, options))
        ? run(node.consequent, scope, source, options)
        : run(node.alternate, scope, source, options);
    case 'binary': {
      const left = run(node.left, scope, source, options);
      if (node.op === '&&') return isTruthy(left) ? run(node.right, scope, source, options) : left;
      if (node.op === '||') return isTruthy(left) ? left : run(node.right, scope, source, options);
      const right = run(node.right, scope, source, options);
      switch (node.op) {
        case '==':
          return equals(left, right);
        case '!=':
          return !equals(left, right);
        case '<':
        case '<=':
        case '>':
        case '>=': {
          const order = compare(left, right);
          if (order === null) return false;
          return node.op === '<' ? order < 0 : node.op === '<=' ? order <= 0 : node.op === '>' ? order > 0 : order >= 0;
        }
        case '+':
          if (typeof left === 'number' && typeof right === 'number') return left + right;
          if (typeof left === 'string' || typeof right === 'string') {
            return boundedString(displayValue(left) + displayValue(right), source);
          }
          return null;
        case '-':
        case '*':
        case '/': {
          if (typeof left !== 'number' || typeof right !== 'number') return null;
          const value = node.op === '-' ? left - right : node.op === '*' ? left * right : left / right;
          return Number.isFinite(value) ? value : null;
        }
      }
    }
  }
}

/** Evaluates an expression against a scope. Throws ExpressionError for a bad expression or a broken limit. */
export function evaluateExpression(source: string, scope: ExpressionScope, options: EvaluationOptions = {}): unknown {
  const value = run(compileExpression(source), scope, source, options);
  return value === undefined ? null : value;
}

/** One path segment a value may fill in a raw API call's path: letters, digits, "_", "~", "-" and inner dots. */
const PATH_SEGMENT = /^[A-Za-z0-9_~-](?:[A-Za-z0-9._~-]*[A-Za-z0-9_~-])?$/;

/**
 * Evaluates a raw API call's path ('/2010-04-01/Accounts/{AccountSid}/Messages/' + entities.sid + '.json'): the
 * quoted literals of its "+" chain are the dialog author's and go as written; every other part is a value (a user's
 * answer, a result) and must be exactly one path segment, so no value can climb or branch to another resource.
 * Answers the path, or the problem in words.
 */
export function evaluatePath(source: string, scope: ExpressionScope, options: EvaluationOptions = {}): { path: string } | { problem: string } {
  const operands: Expression[] = [];
  let tree = compileExpression(source);
  while (tree.kind === 'binary' && tree.op === '+') {
    operands.unshift(tree.right);
    tree = tree.left;
  }
  operands.unshift(tree);
  let path = '';
  for (const operand of operands) {
    if (operand.kind === 'literal' && typeof operand.value === 'string') {
      path += operand.value;
      continue;
    }
    const value = displayValue(run(operand, scope, source, options) ?? null);
    if (!PATH_SEGMENT.test(value)) {
      return { problem: `Invalid parameter: Path. A value in the path must be one segment of letters, digits, ".", "_", "~" or "-", not ${JSON.stringify(value.slice(0, 40))}` };
    }
    path += value;
  }
  return { path };
}

type TemplatePart = { text: string } | { expression: string };
const templateCache = new Map<string, TemplatePart[]>();

/** Splits text with `{{expression}}` placeholders and checks every expression (cached). */
export function parseTemplate(text: string): TemplatePart[] {
  const cached = templateCache.get(text);
  if (cached) return cached;
  const parts: TemplatePart[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new ExpressionError('A "{{" placeholder is never closed with "}}".', text);
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    const expression = rest.slice(open + 2, close).trim();
    compileExpression(expression);
    parts.push({ expression });
    rest = rest.slice(close + 2);
  }
  if (rest !== '') parts.push({ text: rest });
  return remember(templateCache, text, parts);
}

/** Checks a text template, reporting the problem as a sentence instead of throwing. */
export function checkTemplate(text: string): { ok: true } | { ok: false; message: string } {
  try {
    parseTemplate(text);
    return { ok: true };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

/** Fills `{{expression}}` placeholders: `renderTemplate("Hi {{entities.name}}", scope)`. Null renders as empty. */
export function renderTemplate(text: string, scope: ExpressionScope, options: EvaluationOptions = {}): string {
  let out = '';
  for (const part of parseTemplate(text)) {
    out += 'text' in part ? part.text : displayValue(evaluateExpression(part.expression, scope, options));
    boundedString(out, text);
  }
  return out;
}

function collectConfigFields(node: Expression, into: Set<string>): void {
  switch (node.kind) {
    case 'member':
      if (node.object.kind === 'name' && node.object.name === 'config') {
        if (typeof node.property === 'string') into.add(node.property);
        else if (node.property.kind === 'literal' && typeof node.property.value === 'string') {
          into.add(node.property.value);
        }
      } else collectConfigFields(node.object, into);
      if (typeof node.property !== 'string') collectConfigFields(node.property, into);
      return;
    case 'call':
      node.args.forEach((arg) => collectConfigFields(arg, into));
      return;
    case 'unary':
      collectConfigFields(node.argument, into);
      return;
    case 'binary':
      collectConfigFields(node.left, into);
      collectConfigFields(node.right, into);
      return;
    case 'conditional':
      collectConfigFields(node.test, into);
      collectConfigFields(node.consequent, into);
      collectConfigFields(node.alternate, into);
      return;
    default:
      return;
  }
}

/** The configuration fields an expression reads (`config.sender` -> `sender`). Throws ExpressionError. */
export function configFieldsOfExpression(source: string): string[] {
  const fields = new Set<string>();
  collectConfigFields(compileExpression(source), fields);
  return [...fields];
}

/** The configuration fields the placeholders of a text template read. Throws ExpressionError. */
export function configFieldsOfTemplate(text: string): string[] {
  const fields = new Set<string>();
  for (const part of parseTemplate(text)) {
    if ('expression' in part) collectConfigFields(compileExpression(part.expression), fields);
  }
  return [...fields];
}
