/**
 * The template catalog: the templates a directory holds (the package's `templates/` by default), each read and
 * validated on demand, so an edited template file is seen without a restart.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { operations } from '../twilio';
import { configFieldNames } from '../definition';
import { TemplateError } from './errors';
import { defaultTemplatesDir, isTaskId } from './paths';
import type { Template } from './schemas';
import { validateTemplate, type TemplateValidationOptions } from './validate';

export interface TemplateCatalogOptions {
  /** Where the template files are; default: the package's `templates/`. */
  templatesDir?: string;
  /** What dialogs may use; default: the gateway's operations and the manifest's configuration fields. */
  validation?: TemplateValidationOptions;
}

/** The action's validation context: the gateway's operation names and the configuration fields. */
export function defaultValidationOptions(): TemplateValidationOptions {
  return { operations: Object.keys(operations), configFields: configFieldNames() };
}

/** Refuses anything that is not a plain id, before it gets near a file name. */
export function assertTaskId(id: string): void {
  if (!isTaskId(id)) {
    throw new TemplateError(
      'invalid_id',
      `"${id}" is not a template id: ids are 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit.`,
      [{ path: '/id', message: 'must match ^[a-z0-9][a-z0-9-]{0,62}$' }],
    );
  }
}

export class TemplateCatalog {
  readonly dir: string;
  private readonly validation: TemplateValidationOptions;

  constructor(options: TemplateCatalogOptions = {}) {
    this.dir = path.resolve(options.templatesDir ?? defaultTemplatesDir());
    this.validation = options.validation ?? defaultValidationOptions();
  }

  /** The ids of the template files, sorted. Files whose names are not ids are ignored. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter(isTaskId)
      .sort();
  }

  /** The template file's path. */
  fileOf(id: string): string {
    assertTaskId(id);
    return path.join(this.dir, `${id}.json`);
  }

  /** Reads and validates one template: unknown ids and invalid files are refused with every problem's pointer. */
  async load(id: string): Promise<Template> {
    const file = this.fileOf(id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        const known = await this.ids();
        throw new TemplateError(
          'unknown_template',
          `There is no template "${id}". Templates: ${known.join(', ') || 'none'}.`,
          [{ path: '/id', message: `no template file ${id}.json` }],
        );
      }
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TemplateError('invalid_template', `The template ${id}.json is not valid JSON: ${(err as Error).message}`, [
        { path: '', message: (err as Error).message },
      ]);
    }
    const result = validateTemplate(json, id, this.validation);
    if (!result.ok) {
      const first = result.problems[0];
      const where = first ? ` First: ${first.path || '/'}: ${first.message}` : '';
      throw new TemplateError(
        'invalid_template',
        `The template "${id}" is invalid (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}).${where}`,
        result.problems,
      );
    }
    return result.template;
  }

  /** Every template, validated. */
  async loadAll(): Promise<Template[]> {
    const templates: Template[] = [];
    for (const id of await this.ids()) templates.push(await this.load(id));
    return templates;
  }
}
