/**
 * Dialog task validation (docs/DIALOGS.md, "Validation"): the JSON Schema first, then what a schema cannot say
 * (operations, node graph, expressions, configuration references). Every problem carries its JSON pointer.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type Ajv2020 from 'ajv/dist/2020';
import { dialogSchema, type DialogNode, type DialogTask, type ServiceNode } from './schema';
import { isRecord } from '../json';
import { isOperationName, operations as registry } from '../twilio';
import { ajvOf, defineAjvKind, lazyValidator } from '../validators';
import {
  checkExpression,
  checkTemplate,
  compileExpression,
  configFieldsOfExpression,
  configFieldsOfTemplate,
  type Expression,
} from './expressions';

/** One thing wrong with a dialog task, where it is (RFC 6901 pointer into the file) and what to do. */
export interface DialogProblem {
  pointer: string;
  message: string;
}

export interface ValidateDialogOptions {
  /** The action's operation names (`Object.keys(operations)`); a service node naming another is rejected. */
  operations: Iterable<string>;
  /** The action's configuration fields; when given, every `config.<field>` an expression reads must be one. */
  configFields?: Iterable<string>;
}

export type DialogValidation = { ok: true; task: DialogTask } | { ok: false; problems: DialogProblem[] };

const NODE_TYPES = ['intent', 'entity', 'service', 'dialog', 'message', 'logic'];

/** The options of the Ajv of dialogs and templates (test/schemas.test.ts compiles their schemas with them). */
export const DIALOG_AJV_OPTIONS = { allErrors: true, discriminator: true } as const;

/**
 * The one Ajv of dialogs and templates, with the dialog schema added (the template schema refers to it).
 * `validateSchema: false`: our schemas are not checked against the meta-schema at run time (compiling it cost every
 * start); test/schemas.test.ts does it once.
 */
defineAjvKind('dialog', {
  options: { ...DIALOG_AJV_OPTIONS, validateSchema: false },
  context: [dialogSchema],
  create: (extra) => {
    // Loaded here, not on import: a start whose validators the build generated never loads Ajv's compiler.
    const { default: Ajv } = require('ajv/dist/2020') as typeof import('ajv/dist/2020'); // eslint-disable-line @typescript-eslint/no-require-imports
    const ajv = new Ajv({ ...DIALOG_AJV_OPTIONS, validateSchema: false, ...extra });
    ajv.addSchema(dialogSchema);
    return ajv;
  },
});

/** The Ajv of dialogs and templates, created on first use. */
export function dialogAjv(): Ajv2020 {
  return ajvOf('dialog') as Ajv2020;
}

/** Made on first use (the build's generated code, or compiled), so importing this module costs nothing. */
const schemaValidator: () => ValidateFunction = lazyValidator('dialog', dialogSchema);

/** Escapes one reference token of a JSON pointer. */
export function pointerToken(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeSchemaError(error: ErrorObject): DialogProblem {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'discriminator':
      if (params['error'] === 'mapping') {
        return {
          pointer: `${at}/type`,
          message: `Unknown node type "${String(params['tagValue'])}": use one of ${NODE_TYPES.join(', ')}.`,
        };
      }
      return { pointer: at, message: `A node needs a "type": one of ${NODE_TYPES.join(', ')}.` };
    case 'required':
      return { pointer: at, message: `Missing required property "${String(params['missingProperty'])}".` };
    case 'additionalProperties':
      return { pointer: at, message: `Unknown property "${String(params['additionalProperty'])}".` };
    case 'enum':
      return {
        pointer: at,
        message: `Must be one of: ${(params['allowedValues'] as unknown[]).map(String).join(', ')}.`,
      };
    case 'anyOf':
      return { pointer: at, message: 'Must be an expression (a string) or an object whose values are expressions.' };
    default: {
      const property = error.propertyName === undefined ? '' : `Property name "${error.propertyName}": `;
      return { pointer: at, message: `${property}${error.message ?? 'is invalid'}.` };
    }
  }
}

/** Turns ajv's errors into one problem each, without the noise of alternatives that were never meant. */
function schemaProblems(errors: ErrorObject[]): DialogProblem[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const relevant = errors.filter((e) => {
    if (e.keyword === 'type' && anyOfPaths.has(e.instancePath)) return false;
    if (e.keyword === 'propertyNames') return false; // the failing name's own error says more
    if (e.keyword === 'discriminator' && e.params['error'] === 'tag') {
      return !errors.some((o) => o.keyword === 'required' && o.instancePath === e.instancePath);
    }
    return true;
  });
  const kept = relevant.filter(
    (e) =>
      e.keyword !== 'anyOf' ||
      !relevant.some((o) => o !== e && o.instancePath.startsWith(`${e.instancePath}/`)),
  );
  const seen = new Set<string>();
  return kept.map(describeSchemaError).filter((p) => {
    const key = `${p.pointer}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface Edge {
  to: string;
  pointer: string;
}

function edgesOf(node: DialogNode, at: string): Edge[] {
  const edges: Edge[] = [];
  if (node.next !== undefined) edges.push({ to: node.next, pointer: `${at}/next` });
  if (node.type === 'entity' || node.type === 'service' || node.type === 'dialog' || node.type === 'logic') {
    (node.transitions ?? []).forEach((t, j) => edges.push({ to: t.then, pointer: `${at}/transitions/${j}/then` }));
  }
  if (node.type === 'entity') {
    if (node.onFailure !== undefined) edges.push({ to: node.onFailure, pointer: `${at}/onFailure` });
    (node.commands ?? []).forEach((c, j) => edges.push({ to: c.then, pointer: `${at}/commands/${j}/then` }));
  }
  return edges;
}

/** Every expression and text template of a node, with its pointer. */
function sourcesOf(node: DialogNode, at: string): { kind: 'expression' | 'template'; source: string; pointer: string }[] {
  const out: { kind: 'expression' | 'template'; source: string; pointer: string }[] = [];
  const expression = (source: string, pointer: string) => out.push({ kind: 'expression', source, pointer });
  const template = (source: string, pointer: string) => out.push({ kind: 'template', source, pointer });
  switch (node.type) {
    case 'intent':
      break;
    case 'entity':
      template(node.prompt, `${at}/prompt`);
      if (node.errorPrompt !== undefined) template(node.errorPrompt, `${at}/errorPrompt`);
      if (node.help !== undefined) template(node.help, `${at}/help`);
      if (node.default !== undefined) expression(node.default, `${at}/default`);
      (node.suggestions ?? []).forEach((s, j) => template(s, `${at}/suggestions/${j}`));
      break;
    case 'service':
      for (const [key, value] of Object.entries(node.input)) {
        const pointer = `${at}/input/${pointerToken(key)}`;
        if (typeof value === 'string') expression(value, pointer);
        else for (const [inner, source] of Object.entries(value)) expression(source, `${pointer}/${pointerToken(inner)}`);
      }
      break;
    case 'dialog':
      for (const [key, source] of Object.entries(node.input ?? {})) expression(source, `${at}/input/${pointerToken(key)}`);
      break;
    case 'message':
      template(node.text, `${at}/text`);
      (node.suggestions ?? []).forEach((s, j) => template(s, `${at}/suggestions/${j}`));
      break;
    case 'logic':
      for (const [target, source] of Object.entries(node.set)) expression(source, `${at}/set/${pointerToken(target)}`);
      break;
  }
  if (node.type === 'entity' || node.type === 'service' || node.type === 'dialog' || node.type === 'logic') {
    (node.transitions ?? []).forEach((t, j) => expression(t.if, `${at}/transitions/${j}/if`));
  }
  return out;
}

function entityProblems(node: DialogNode, at: string): DialogProblem[] {
  if (node.type !== 'entity') return [];
  const problems: DialogProblem[] = [];
  const only = (field: string, types: string[]) =>
    problems.push({ pointer: `${at}/${field}`, message: `"${field}" applies only to ${types.join(' and ')} entities.` });
  if (node.entityType === 'enum' && node.values === undefined) {
    problems.push({ pointer: at, message: 'An enum entity needs "values" to choose from.' });
  }
  if (node.entityType !== 'enum' && node.values !== undefined) only('values', ['enum']);
  if (node.entityType !== 'digits' && node.entityType !== 'text') {
    if (node.minLength !== undefined) only('minLength', ['digits', 'text']);
    if (node.maxLength !== undefined) only('maxLength', ['digits', 'text']);
  }
  if (node.entityType !== 'number') {
    if (node.min !== undefined) only('min', ['number']);
    if (node.max !== undefined) only('max', ['number']);
  }
  if (node.minLength !== undefined && node.maxLength !== undefined && node.minLength > node.maxLength) {
    problems.push({ pointer: `${at}/minLength`, message: 'minLength is greater than maxLength.' });
  }
  if (node.min !== undefined && node.max !== undefined && node.min > node.max) {
    problems.push({ pointer: `${at}/min`, message: 'min is greater than max.' });
  }
  return problems;
}

/** Groups of nodes that reach each other (Tarjan), restricted to the given edges. */
function stronglyConnected(ids: string[], edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      for (;;) {
        const w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        group.push(w);
        if (w === v) break;
      }
      groups.push(group);
    }
  };
  for (const id of ids) if (!index.has(id)) visit(id);
  return groups;
}

/** The properties an object schema declares, when it refuses any other (`additionalProperties: false`). */
function closedProperties(schema: unknown): Record<string, unknown> | undefined {
  if (!isRecord(schema) || schema['additionalProperties'] !== false || !isRecord(schema['properties'])) return undefined;
  return schema['properties'];
}

/**
 * A service node's input against its operation's input schema: every key must be a parameter of the operation,
 * and an object of expressions only where the parameter is an object (e.g. `channelConfiguration`). Values are
 * expressions, so only their shape is checked here; the operation validates the values at run time.
 */
function serviceInputProblems(operation: string, input: ServiceNode['input'], at: string): DialogProblem[] {
  if (!isOperationName(operation)) return [];
  const properties = closedProperties(registry[operation].inputSchema);
  if (properties === undefined) return [];
  const problems: DialogProblem[] = [];
  const known = Object.keys(properties);
  for (const [key, value] of Object.entries(input)) {
    const pointer = `${at}/${pointerToken(key)}`;
    const property = properties[key];
    if (property === undefined) {
      problems.push({ pointer, message: `"${key}" is not an input of ${operation}: use one of ${known.join(', ')}.` });
      continue;
    }
    if (typeof value === 'string') continue;
    if (!isRecord(property) || property['type'] !== 'object') {
      problems.push({ pointer, message: `"${key}" of ${operation} is one value: give it one expression, not an object.` });
      continue;
    }
    const nested = closedProperties(property);
    if (nested === undefined) continue;
    const innerKnown = Object.keys(nested);
    for (const inner of Object.keys(value)) {
      if (nested[inner] === undefined) {
        problems.push({
          pointer: `${pointer}/${pointerToken(inner)}`,
          message: `"${inner}" is not a field of ${operation}'s ${key}: use one of ${innerKnown.join(', ')}.`,
        });
      }
    }
  }
  return problems;
}

function graphProblems(task: DialogTask, operations: ReadonlySet<string>): DialogProblem[] {
  const problems: DialogProblem[] = [];
  const indexOf = new Map<string, number>();
  task.nodes.forEach((node, i) => {
    const first = indexOf.get(node.id);
    if (first === undefined) indexOf.set(node.id, i);
    else problems.push({ pointer: `/nodes/${i}/id`, message: `Duplicate node id "${node.id}" (first used at /nodes/${first}).` });
  });

  const startIndex = indexOf.get(task.start);
  if (startIndex === undefined) {
    problems.push({ pointer: '/start', message: `The start node "${task.start}" does not exist.` });
  } else if (task.nodes[startIndex]?.type !== 'intent') {
    problems.push({ pointer: '/start', message: `The start node "${task.start}" must be the dialog's intent node.` });
  }
  task.nodes.forEach((node, i) => {
    if (node.type === 'intent' && node.id !== task.start) {
      problems.push({
        pointer: `/nodes/${i}/type`,
        message: `A dialog has exactly one intent node, its start ("${task.start}"); "${node.id}" is another.`,
      });
    }
  });

  const edges = new Map<string, string[]>();
  let dangling = false;
  task.nodes.forEach((node, i) => {
    const at = `/nodes/${i}`;
    if (node.type === 'service' && !operations.has(node.operation)) {
      problems.push({
        pointer: `${at}/operation`,
        message: `Unknown operation "${node.operation}": use one of ${[...operations].sort().join(', ')}.`,
      });
    }
    if (node.type === 'service' && operations.has(node.operation)) {
      problems.push(...serviceInputProblems(node.operation, node.input, `${at}/input`), ...rawRequestProblems(node, at));
    }
    if (node.type === 'dialog' && node.dialog === task.id) {
      problems.push({ pointer: `${at}/dialog`, message: `Node "${node.id}" runs its own dialog "${task.id}": a dialog can't run itself.` });
    }
    if (node.type !== 'message' && node.next === undefined) {
      problems.push({
        pointer: at,
        message: `Node "${node.id}" has no "next": every node except a message must name the node that follows.`,
      });
    }
    const targets: string[] = [];
    for (const edge of edgesOf(node, at)) {
      if (indexOf.has(edge.to)) targets.push(edge.to);
      else {
        dangling = true;
        problems.push({ pointer: edge.pointer, message: `"${edge.to}" names no node of this dialog.` });
      }
    }
    if (!edges.has(node.id)) edges.set(node.id, targets);
    problems.push(...entityProblems(node, at));
  });

  // A dangling target leaves everything behind it unreachable: report the cause, not each consequence.
  if (startIndex !== undefined && !dangling) {
    const reached = new Set<string>([task.start]);
    const queue = [task.start];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const next of edges.get(id) ?? []) {
        if (!reached.has(next)) {
          reached.add(next);
          queue.push(next);
        }
      }
    }
    task.nodes.forEach((node, i) => {
      if (!reached.has(node.id) && indexOf.get(node.id) === i) {
        problems.push({ pointer: `/nodes/${i}`, message: `Node "${node.id}" is unreachable from "${task.start}".` });
      }
    });
  }

  // A loop is fine only when it passes through an entity node, which waits for the user.
  const typeOf = new Map(task.nodes.map((node) => [node.id, node.type]));
  const restless = [...edges.keys()].filter((id) => typeOf.get(id) !== 'entity');
  const restlessEdges = new Map(
    restless.map((id) => [id, (edges.get(id) ?? []).filter((to) => typeOf.get(to) !== 'entity')]),
  );
  for (const group of stronglyConnected(restless, restlessEdges)) {
    const [only] = group;
    const selfLoop = group.length === 1 && only !== undefined && (restlessEdges.get(only) ?? []).includes(only);
    if (group.length < 2 && !selfLoop) continue;
    const ordered = group.sort((a, b) => (indexOf.get(a) ?? 0) - (indexOf.get(b) ?? 0));
    problems.push({
      pointer: `/nodes/${indexOf.get(ordered[0] ?? '') ?? 0}`,
      message: `Nodes ${ordered.map((id) => `"${id}"`).join(', ')} form a loop with no entity node: the dialog would never wait for the user.`,
    });
  }
  return problems;
}

function expressionProblems(task: DialogTask, configFields: ReadonlySet<string> | undefined): DialogProblem[] {
  const problems: DialogProblem[] = [];
  const sources = task.nodes.flatMap((node, i) => sourcesOf(node, `/nodes/${i}`));
  for (const [field, source] of Object.entries(task.result?.fields ?? {})) {
    sources.push({ kind: 'expression', source, pointer: `/result/fields/${pointerToken(field)}` });
  }
  for (const { kind, source, pointer } of sources) {
    const check = kind === 'expression' ? checkExpression(source) : checkTemplate(source);
    if (!check.ok) {
      problems.push({ pointer, message: check.message });
      continue;
    }
    if (!configFields) continue;
    const fields = kind === 'expression' ? configFieldsOfExpression(source) : configFieldsOfTemplate(source);
    for (const field of fields) {
      if (!configFields.has(field)) {
        problems.push({
          pointer,
          message: `Unknown configuration field "config.${field}": the action has ${[...configFields].sort().join(', ') || 'none'}.`,
        });
      }
    }
  }
  return problems;
}

/** Names a caller's begin options already use, so no input or result field may take them. */
const RESERVED_INPUTS = ['entities', 'context', 'utterance'];
const RESERVED_RESULT_FIELDS = ['status', 'outcome', 'entities', 'context', 'switchTo'];

/**
 * The task's contract with the dialogs that run it: each input fills one of its entity nodes; every outcome an
 * ending names is declared, and every ending of a task with a typed result says which outcome it is.
 */
function contractProblems(task: DialogTask): DialogProblem[] {
  const problems: DialogProblem[] = [];
  const entities = [...new Set(task.nodes.flatMap((node) => (node.type === 'entity' ? [node.entity] : [])))];
  for (const [name, input] of Object.entries(task.inputs ?? {})) {
    const at = `/inputs/${pointerToken(name)}`;
    if (RESERVED_INPUTS.includes(name)) {
      problems.push({ pointer: at, message: `"${name}" can't be an input name: ${RESERVED_INPUTS.join(', ')} are begin options of every dialog.` });
    }
    if (!entities.includes(input.entity)) {
      problems.push({
        pointer: `${at}/entity`,
        message: `Input "${name}" fills entity "${input.entity}", which no entity node of this dialog asks for: use one of ${entities.join(', ') || '(none)'}.`,
      });
    }
  }
  const declared = task.result;
  if (declared !== undefined) {
    for (const key of ['onCancel', 'onFailure'] as const) {
      if (!declared.outcomes.includes(declared[key])) {
        problems.push({ pointer: `/result/${key}`, message: `"${declared[key]}" is not one of the declared outcomes: ${declared.outcomes.join(', ')}.` });
      }
    }
    for (const field of Object.keys(declared.fields ?? {})) {
      if (RESERVED_RESULT_FIELDS.includes(field)) {
        problems.push({
          pointer: `/result/fields/${pointerToken(field)}`,
          message: `"${field}" can't be a result field: ${RESERVED_RESULT_FIELDS.join(', ')} are part of every dialog's result.`,
        });
      }
    }
  }
  task.nodes.forEach((node, i) => {
    if (node.type !== 'message') return;
    const at = `/nodes/${i}`;
    if (node.outcome !== undefined && declared === undefined) {
      problems.push({ pointer: `${at}/outcome`, message: 'An outcome needs a declared result: add "result": { "outcomes": [...], "onCancel": ..., "onFailure": ... } to the dialog.' });
    } else if (node.outcome !== undefined && declared !== undefined && !declared.outcomes.includes(node.outcome)) {
      problems.push({ pointer: `${at}/outcome`, message: `"${node.outcome}" is not one of the declared outcomes: ${declared.outcomes.join(', ')}.` });
    } else if (declared !== undefined && node.next === undefined && node.outcome === undefined && (node.status ?? 'completed') === 'completed') {
      problems.push({ pointer: at, message: `Node "${node.id}" ends the dialog: say which outcome it is ("outcome": one of ${declared.outcomes.join(', ')}).` });
    }
    if (node.outcome !== undefined && node.next !== undefined) {
      problems.push({ pointer: `${at}/outcome`, message: `Node "${node.id}" does not end the dialog (it has "next"), so it can't name an outcome.` });
    }
  });
  return problems;
}

/** A literal string expression's value ('GET' -> GET), else undefined. */
function literalString(source: string): string | undefined {
  try {
    const tree = compileExpression(source);
    return tree.kind === 'literal' && typeof tree.value === 'string' ? tree.value : undefined;
  } catch {
    return undefined;
  }
}

/** The literal text a string expression starts with ('/v2/Services/' + entities.sid -> /v2/Services/). */
function literalPrefix(source: string): string | undefined {
  try {
    let tree: Expression = compileExpression(source);
    while (tree.kind === 'binary' && tree.op === '+') tree = tree.left;
    return tree.kind === 'literal' && typeof tree.value === 'string' ? tree.value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A raw API call (twilioRequest) must say at load where it goes: its method and domain are literals and its path
 * starts with a literal "/" on that domain, so no value from a user can send the action's credentials elsewhere.
 * The operation checks the whole path again when it runs.
 */
function rawRequestProblems(node: ServiceNode, at: string): DialogProblem[] {
  if (node.operation !== 'twilioRequest') return [];
  const problems: DialogProblem[] = [];
  const input = node.input;
  const missing: Record<string, string> = {
    method: "one of 'GET', 'POST', 'DELETE'",
    domain: "'api' or 'verify'",
    path: 'a quoted literal beginning with /, e.g. \'/v2/Services\'',
  };
  for (const [key, what] of Object.entries(missing)) {
    if (input[key] === undefined) {
      problems.push({ pointer: `${at}/input`, message: `A raw API call must say its ${key}: add "${key}": ${what}.` });
    }
  }
  const literalOf = (key: string): string | undefined => {
    const value = input[key];
    return typeof value === 'string' ? literalString(value) : undefined;
  };
  const method = literalOf('method');
  if (input['method'] !== undefined && (method === undefined || !['GET', 'POST', 'DELETE'].includes(method))) {
    problems.push({ pointer: `${at}/input/method`, message: `The method must be one of 'GET', 'POST', 'DELETE' (quoted: a literal), not ${JSON.stringify(input['method'])}.` });
  }
  const domain = literalOf('domain');
  if (input['domain'] !== undefined && (domain === undefined || !['api', 'verify'].includes(domain))) {
    problems.push({
      pointer: `${at}/input/domain`,
      message: `The domain must be 'api' (api.twilio.com) or 'verify' (verify.twilio.com), quoted, not ${JSON.stringify(input['domain'])}: raw calls reach only those two.`,
    });
  }
  const path = input['path'];
  if (typeof path === 'string') {
    const prefix = literalPrefix(path);
    if (prefix === undefined || !prefix.startsWith('/') || prefix.startsWith('//')) {
      const absolute = prefix !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(prefix);
      problems.push({
        pointer: `${at}/input/path`,
        message: absolute
          ? `The path must be relative to the ${domain ?? 'api or verify'} domain, not a URL (${prefix}): e.g. '/v2/Services'. Raw calls never go to other hosts.`
          : "The path must start with a quoted literal beginning with /, e.g. '/2010-04-01/Accounts/{AccountSid}/Messages/' + entities.sid + '.json'.",
      });
    } else if (prefix.includes('..') || /[?#]/.test(prefix)) {
      problems.push({ pointer: `${at}/input/path`, message: "The path can't hold .., ? or #: give query parameters under params." });
    }
  }
  return problems;
}

/** Validates a parsed dialog task file. Returns the typed task, or every problem with its JSON pointer. */
export function validateDialogTask(json: unknown, options: ValidateDialogOptions): DialogValidation {
  const validate = schemaValidator();
  if (!validate(json)) return { ok: false, problems: schemaProblems(validate.errors ?? []) };
  const task = json as DialogTask;
  const configFields = options.configFields === undefined ? undefined : new Set(options.configFields);
  const problems = [
    ...graphProblems(task, new Set(options.operations)),
    ...contractProblems(task),
    ...expressionProblems(task, configFields),
  ];
  return problems.length === 0 ? { ok: true, task } : { ok: false, problems };
}

/** A problem of one task among the others: which task, where in it, what to do. */
export interface DialogSetProblem extends DialogProblem {
  taskId: string;
}

/**
 * What only the set of installed tasks can tell (dialog nodes): each names an installed task, passes only inputs
 * that task declares, and no dialogs run each other in a loop. A task with a problem does not load, and so neither
 * does a task that runs it: the check repeats until what is left is whole.
 */
export function dialogSetProblems(tasks: readonly DialogTask[]): { tasks: DialogTask[]; problems: DialogSetProblem[] } {
  const problems: DialogSetProblem[] = [];
  let kept = [...tasks];
  for (;;) {
    const byId = new Map(kept.map((task) => [task.id, task]));
    const broken = new Set<string>();
    for (const task of kept) {
      task.nodes.forEach((node, i) => {
        if (node.type !== 'dialog') return;
        const at = `/nodes/${i}`;
        const child = byId.get(node.dialog);
        if (child === undefined) {
          broken.add(task.id);
          const others = [...byId.keys()].filter((id) => id !== task.id);
          problems.push({
            taskId: task.id,
            pointer: `${at}/dialog`,
            message: `Node "${node.id}" runs dialog "${node.dialog}", which is not installed (or did not load): install it (tva templates install ${node.dialog}) or name one of ${others.join(', ') || '(no other dialogs)'}.`,
          });
          return;
        }
        const declared = Object.keys(child.inputs ?? {});
        for (const key of Object.keys(node.input ?? {})) {
          if (declared.includes(key)) continue;
          broken.add(task.id);
          problems.push({
            taskId: task.id,
            pointer: `${at}/input/${pointerToken(key)}`,
            message:
              declared.length === 0
                ? `"${key}" is not an input of "${child.id}": it declares no inputs, so it asks the user for everything.`
                : `"${key}" is not an input of "${child.id}": use one of ${declared.join(', ')}.`,
          });
        }
      });
    }
    const runs = new Map(kept.map((task) => [task.id, task.nodes.flatMap((n) => (n.type === 'dialog' && byId.has(n.dialog) ? [n.dialog] : []))]));
    for (const group of stronglyConnected([...runs.keys()], runs)) {
      const [only] = group;
      if (group.length < 2 && !(only !== undefined && (runs.get(only) ?? []).includes(only))) continue;
      const loop = [...group].sort();
      for (const id of loop) {
        broken.add(id);
        const task = byId.get(id);
        const index = task?.nodes.findIndex((n) => n.type === 'dialog' && loop.includes(n.dialog)) ?? -1;
        problems.push({
          taskId: id,
          pointer: index < 0 ? '' : `/nodes/${index}/dialog`,
          message: `Dialogs ${loop.map((d) => `"${d}"`).join(', ')} run each other in a loop: a dialog node may only run a dialog that does not, in turn, run it.`,
        });
      }
    }
    if (broken.size === 0) return { tasks: kept, problems };
    kept = kept.filter((task) => !broken.has(task.id));
  }
}

export interface DialogFileProblem extends DialogProblem {
  /** The file's name inside the directory, e.g. `send-sms.json`. */
  file: string;
}

export interface LoadedDialogs {
  tasks: DialogTask[];
  problems: DialogFileProblem[];
}

/**
 * Loads every `*.json` file of a dialogs directory. A broken file is reported (file name, pointer, message) and
 * skipped; the others still load. A missing directory holds no dialogs.
 */
export async function loadDialogDirectory(dir: string, options: ValidateDialogOptions): Promise<LoadedDialogs> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { tasks: [], problems: [] };
    throw err;
  }
  const operations = [...options.operations];
  const configFields = options.configFields === undefined ? undefined : [...options.configFields];
  const tasks: DialogTask[] = [];
  const problems: DialogFileProblem[] = [];
  for (const file of names) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
    } catch (err) {
      problems.push({ file, pointer: '', message: `Not readable JSON: ${(err as Error).message}` });
      continue;
    }
    const result = validateDialogTask(json, { operations, configFields });
    if (!result.ok) {
      problems.push(...result.problems.map((problem) => ({ file, ...problem })));
      continue;
    }
    const expected = file.slice(0, -'.json'.length);
    if (result.task.id !== expected) {
      problems.push({ file, pointer: '/id', message: `The id "${result.task.id}" must equal the file name "${expected}".` });
      continue;
    }
    tasks.push(result.task);
  }
  const set = dialogSetProblems(tasks);
  for (const { taskId, pointer, message } of set.problems) problems.push({ file: `${taskId}.json`, pointer, message });
  return { tasks: set.tasks, problems };
}
