/**
 * Template validation: the template schema for the envelope, the dialog engine's own validator for the dialog
 * (schema, graph, operations, expressions, configuration fields), and what only a template can get wrong (its id
 * against its file and dialog, `requires.config` against what the dialog reads). Every problem has a JSON pointer
 * into the template file.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { validateDialogTask } from '../dialogs';
import { lazyValidator } from '../validators';
import type { TemplateProblem } from './errors';
import { templateSchema, type Template } from './schemas';

export interface TemplateValidationOptions {
  /** The action's operation names. */
  operations: Iterable<string>;
  /** The action's configuration fields (what `config.<field>` may name). */
  configFields: Iterable<string>;
}

export type TemplateValidation = { ok: true; template: Template } | { ok: false; problems: TemplateProblem[] };

/** The template envelope's validator, made on first use with the dialogs' Ajv (the build's generated code, or compiled). */
const envelopeValidator: () => ValidateFunction = lazyValidator('dialog', templateSchema);

function describe(error: ErrorObject): TemplateProblem {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: error.instancePath, message: `Missing required property "${String(params['missingProperty'])}".` };
    case 'additionalProperties':
      return { path: error.instancePath, message: `Unknown property "${String(params['additionalProperty'])}".` };
    default:
      return { path: error.instancePath, message: `${error.message ?? 'is invalid'}.` };
  }
}

const CONFIG_REFERENCE = /\bconfig\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every `config.<field>` the dialog's strings mention, with the pointer of the string. */
function configReferences(value: unknown, pointer: string, out: { field: string; path: string }[]): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(CONFIG_REFERENCE)) {
      if (match[1] !== undefined) out.push({ field: match[1], path: pointer });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => configReferences(item, `${pointer}/${i}`, out));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      configReferences(item, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  }
}

function requiresProblems(template: Template, known: ReadonlySet<string>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const declared = template.requires?.config ?? [];
  declared.forEach((field, i) => {
    if (!known.has(field)) {
      problems.push({
        path: `/requires/config/${i}`,
        message: `Unknown configuration field "${field}": the action has ${[...known].sort().join(', ')}.`,
      });
    }
  });
  const references: { field: string; path: string }[] = [];
  configReferences(template.dialog, '/dialog', references);
  const reported = new Set<string>();
  for (const { field, path } of references) {
    if (!declared.includes(field) && known.has(field) && !reported.has(field)) {
      reported.add(field);
      problems.push({ path, message: `The dialog reads config.${field}: list "${field}" in requires.config.` });
    }
  }
  return problems;
}

/**
 * Validates a parsed template file. `fileId` is the file's name without `.json`, when the template came from one.
 */
export function validateTemplate(json: unknown, fileId: string | undefined, options: TemplateValidationOptions): TemplateValidation {
  const validate = envelopeValidator();
  const operations = [...options.operations];
  const configFields = [...options.configFields];
  const problems: TemplateProblem[] = [];
  if (!validate(json)) {
    // The dialog's own problems come from the engine, whose messages say more than ajv's.
    problems.push(...(validate.errors ?? []).filter((e) => !e.instancePath.startsWith('/dialog')).map(describe));
  }
  const dialog = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['dialog'] : undefined;
  if (dialog !== undefined) {
    const result = validateDialogTask(dialog, { operations, configFields });
    if (!result.ok) problems.push(...result.problems.map((p) => ({ path: `/dialog${p.pointer}`, message: p.message })));
  }
  if (problems.length > 0) return { ok: false, problems };

  const template = json as Template;
  if (fileId !== undefined && template.id !== fileId) {
    problems.push({ path: '/id', message: `The id "${template.id}" must equal the file name "${fileId}".` });
  }
  if (template.dialog.id !== template.id) {
    problems.push({ path: '/dialog/id', message: `The dialog's id "${template.dialog.id}" must equal the template id "${template.id}".` });
  }
  for (const key of ['installedFrom', '$schema'] as const) {
    if (template.dialog[key] !== undefined) {
      problems.push({ path: `/dialog/${key}`, message: `Remove "${key}": the installer writes it into the installed file.` });
    }
  }
  problems.push(...requiresProblems(template, new Set(configFields)));
  return problems.length === 0 ? { ok: true, template } : { ok: false, problems };
}
