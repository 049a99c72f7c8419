/**
 * The dialog installer: turns templates into dialog tasks in `dialogs/` and keeps track of them.
 *
 * - explore: every template with its state (not-installed, installed, outdated, edited);
 * - install one or all: idempotent (an installed, unchanged dialog is not rewritten, byte for byte);
 * - upgrade: replaces an installed dialog with a newer template version, but never one the developer edited since
 *   install (a conflict report instead) unless forced;
 * - uninstall, and show ("go to dialog": the file and its nodes).
 *
 * An installed file is the template's dialog plus `$schema` and `installedFrom { template, version, hash }`; the
 * hash (see canonical.ts) is how edits are detected. Files are written atomically (a temporary file, then rename)
 * and every change is announced to listeners, so a running bot can register the dialog without a restart.
 */
import { isRecord } from '../json';
import { EventEmitter } from 'node:events';
import { mkdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { validateDialogTask, type DialogTask } from '../dialogs';
import { canonicalJson, dialogContent, dialogHash } from './canonical';
import { assertTaskId, defaultValidationOptions, TemplateCatalog } from './catalog';
import { TemplateError, type TemplateProblem } from './errors';
import { defaultDialogsDir } from './paths';
import type { Template } from './schemas';
import type { TemplateValidationOptions } from './validate';

/** Where an installed dialog's `$schema` points, relative to `dialogs/`. */
export const INSTALLED_SCHEMA_REF = '../schemas/dialog.schema.json';

/** `not-loaded`: the installed file is broken (not JSON, or not a valid dialog); the bot skips it. */
export type TemplateState = 'not-installed' | 'installed' | 'outdated' | 'edited' | 'not-loaded';

/** A template as the developer explores it. */
export interface TemplateListing {
  id: string;
  name: string;
  description: string;
  /** The template's version in the catalog. */
  version: string;
  /** `not-loaded` wins over `edited`, `edited` over `outdated`; both flags are given too. */
  state: TemplateState;
  /** Why the installed file is not loaded (state `not-loaded`): the first problem, with its JSON pointer. */
  problem?: string;
  /** The version the installed file came from, when installed. */
  installedVersion?: string;
  edited: boolean;
  outdated: boolean;
  /** The installed dialog's path (where it is or would be). */
  file: string;
}

export type ChangeKind = 'installed' | 'upgraded' | 'uninstalled';

/** Announced after every write or removal in `dialogs/`. */
export interface DialogChange {
  kind: ChangeKind;
  id: string;
  file: string;
  /** The dialog as written (absent for `uninstalled`). */
  dialog?: DialogTask;
}

export type Outcome =
  | 'installed'
  | 'unchanged'
  | 'kept-edited'
  | 'kept-outdated'
  | 'upgraded'
  | 'replaced'
  | 'uninstalled';

/** What one install, upgrade or uninstall did, with a sentence for people. */
export interface InstallResult {
  id: string;
  outcome: Outcome;
  file: string;
  version: string;
  previousVersion?: string;
  message: string;
}

/** A batch (install --all, upgrade --all): what was done, and what was refused with why. */
export interface BatchResult {
  results: InstallResult[];
  failures: { id: string; error: TemplateError }[];
}

/** One row of "go to dialog". */
export interface NodeRow {
  id: string;
  type: string;
  summary: string;
}

export interface DialogView {
  id: string;
  name: string;
  state: TemplateState;
  version: string;
  installedVersion?: string;
  file: string;
  /** The nodes of the installed file, or of the template when not installed. */
  nodes: NodeRow[];
}

export interface DialogInstallerOptions {
  /** Default: the package's `templates/`. */
  templatesDir?: string;
  /** Default: `./dialogs` of the current directory. */
  dialogsDir?: string;
  /** Default: the gateway's operation names and the manifest's configuration fields. */
  validation?: TemplateValidationOptions;
  /** Called after every change in `dialogs/` (also emitted as the `change` event). */
  onChange?: (change: DialogChange) => void;
  /**
   * Records every install, upgrade and uninstall in the audit log (the server wires the store's `appendAudit`);
   * awaited, so a change that could not be audited is reported as failed. Never a dialog's content.
   */
  audit?: (entry: TemplateAuditEntry) => Promise<void>;
}

/** One audit entry of a change in `dialogs/`: the template id, its version and the file's name. */
export interface TemplateAuditEntry {
  action: 'template.install' | 'template.upgrade' | 'template.uninstall';
  target: string;
  outcome: 'ok';
  details: { version: string; previousVersion?: string; file: string };
}

const AUDIT_ACTIONS = { installed: 'template.install', upgraded: 'template.upgrade', uninstalled: 'template.uninstall' } as const satisfies Record<
  ChangeKind,
  TemplateAuditEntry['action']
>;

interface InstalledFile {
  text: string;
  json: Record<string, unknown> | undefined;
}

interface Inspection {
  state: TemplateState;
  problem?: string;
  edited: boolean;
  outdated: boolean;
  installedVersion?: string;
  installed?: InstalledFile;
}

/** Compares MAJOR.MINOR.PATCH[-pre] versions: negative when a < b. A pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.split('-', 2);
    return { parts: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i += 1) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

function installedFromOf(json: Record<string, unknown> | undefined): { template: string; version: string; hash: string } | undefined {
  const from = json?.['installedFrom'];
  if (!isRecord(from)) return undefined;
  const { template, version, hash } = from;
  if (typeof template !== 'string' || typeof version !== 'string' || typeof hash !== 'string') return undefined;
  return { template, version, hash };
}

/** The installed file's content: `$schema`, the dialog, `installedFrom`; pretty-printed with a trailing newline. */
export function renderInstalledDialog(template: Template): string {
  const dialog = dialogContent(template.dialog as Record<string, unknown>);
  const installed = {
    $schema: INSTALLED_SCHEMA_REF,
    ...dialog,
    installedFrom: { template: template.id, version: template.version, hash: dialogHash(dialog) },
  };
  return `${JSON.stringify(installed, null, 2)}\n`;
}

function summarize(node: Record<string, unknown>): string {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const clip = (value: string) => (value.length > 70 ? `${value.slice(0, 69)}…` : value);
  const targets = (node: Record<string, unknown>) => {
    const next = typeof node['next'] === 'string' ? ` -> ${node['next']}` : '';
    const count = Array.isArray(node['transitions']) ? node['transitions'].length : 0;
    return `${next}${count > 0 ? ` (+${count} transition${count === 1 ? '' : 's'})` : ''}`;
  };
  const input = isRecord(node['input']) ? Object.keys(node['input']).join(', ') : '';
  const set = isRecord(node['set']) ? Object.keys(node['set']).join(', ') : '';
  switch (node['type']) {
    case 'intent':
      return `${clip(`says: ${(Array.isArray(node['utterances']) ? node['utterances'] : []).map(text).join(' | ')}`)}${targets(node)}`;
    case 'entity': {
      const fallback = node['default'] ? ` default ${text(node['default'])}` : '';
      return `${clip(`${text(node['entity'])} (${text(node['entityType'])})${fallback}: ${text(node['prompt'])}`)}${targets(node)}`;
    }
    case 'service':
      return `${text(node['operation'])}(${input})${targets(node)}`;
    case 'message':
      return `${clip(`${node['status'] ? `[${text(node['status'])}] ` : ''}${text(node['text'])}`)}${targets(node)}`;
    case 'dialog':
      return `runs ${text(node['dialog'])}(${input})${targets(node)}`;
    case 'logic':
      return `set ${set}${targets(node)}`;
    default:
      return '';
  }
}

/** The rows of "go to dialog". */
export function nodeRows(dialog: Record<string, unknown>): NodeRow[] {
  const nodes = Array.isArray(dialog['nodes']) ? dialog['nodes'] : [];
  return nodes.filter(isRecord).map((node) => ({
    id: typeof node['id'] === 'string' ? node['id'] : '?',
    type: typeof node['type'] === 'string' ? node['type'] : '?',
    summary: summarize(node),
  }));
}

/** Which nodes and fields of the installed file differ from the template that would replace it. */
export function conflictReport(installed: Record<string, unknown>, template: Template): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const ours = dialogContent(installed);
  const theirs = dialogContent(template.dialog as Record<string, unknown>);
  for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    if (key === 'nodes') continue;
    if (canonicalJson(ours[key] ?? null) !== canonicalJson(theirs[key] ?? null)) {
      problems.push({ path: `/${key}`, message: `"${key}" differs from template ${template.version}.` });
    }
  }
  const ourNodes = (Array.isArray(ours['nodes']) ? ours['nodes'] : []).filter(isRecord);
  const theirNodes = (Array.isArray(theirs['nodes']) ? theirs['nodes'] : []).filter(isRecord);
  const theirById = new Map(theirNodes.map((n) => [String(n['id']), n]));
  const ourIds = new Set(ourNodes.map((n) => String(n['id'])));
  ourNodes.forEach((node, i) => {
    const id = String(node['id']);
    const other = theirById.get(id);
    if (other === undefined) {
      problems.push({ path: `/nodes/${i}`, message: `Node "${id}" is in your file only.` });
      return;
    }
    const fields = [...new Set([...Object.keys(node), ...Object.keys(other)])].filter(
      (f) => canonicalJson(node[f] ?? null) !== canonicalJson(other[f] ?? null),
    );
    if (fields.length > 0) {
      problems.push({ path: `/nodes/${i}`, message: `Node "${id}" differs in: ${fields.join(', ')}.` });
    }
  });
  theirNodes.forEach((node) => {
    const id = String(node['id']);
    if (!ourIds.has(id)) problems.push({ path: '/nodes', message: `Node "${id}" of template ${template.version} is missing from your file.` });
  });
  return problems;
}

export interface DialogInstallerEvents {
  change: [DialogChange];
}

export class DialogInstaller extends EventEmitter<DialogInstallerEvents> {
  readonly catalog: TemplateCatalog;
  readonly dialogsDir: string;
  private readonly audit: DialogInstallerOptions['audit'];
  /** Awaited after every change, before the install, upgrade or uninstall resolves (see `applyWith`). */
  private readonly appliers: Array<(change: DialogChange) => Promise<void>> = [];
  /** The operations an installed dialog may call: what decides whether the bot loads it. */
  private readonly operations: string[];

  constructor(options: DialogInstallerOptions = {}) {
    super();
    this.audit = options.audit;
    this.operations = [...(options.validation ?? defaultValidationOptions()).operations];
    this.catalog = new TemplateCatalog({ templatesDir: options.templatesDir, validation: options.validation });
    this.dialogsDir = path.resolve(options.dialogsDir ?? defaultDialogsDir());
    if (options.onChange) this.on('change', options.onChange);
  }

  /**
   * Registers what puts a change into effect (the server: the bot reloading `dialogs/`), awaited after every
   * install, upgrade and uninstall before it resolves: once the admin API or the CLI answers "installed", the next
   * turn already runs the dialog. A rejection (the bot could not reload at all) fails the call after the file was
   * written and audited; problems of single files are the reload's to report. Returns the undo.
   */
  applyWith(apply: (change: DialogChange) => Promise<void>): () => void {
    this.appliers.push(apply);
    return () => {
      const at = this.appliers.indexOf(apply);
      if (at >= 0) this.appliers.splice(at, 1);
    };
  }

  /**
   * Announces a change made in `dialogs/`, audits it, then puts it into effect (see `applyWith`): after its audit
   * entry, so a failed reload still leaves one.
   */
  private async changed(change: DialogChange, version: string, previousVersion: string | undefined): Promise<void> {
    this.emit('change', change);
    await this.audited(change.kind, change.id, version, change.file, previousVersion);
    for (const apply of this.appliers) await apply(change);
  }

  /** The installed dialog's path for a template id. */
  fileOf(id: string): string {
    assertTaskId(id);
    return path.join(this.dialogsDir, `${id}.json`);
  }

  /** Explore: every template of the catalog with its state. */
  async list(): Promise<TemplateListing[]> {
    const listings: TemplateListing[] = [];
    for (const template of await this.catalog.loadAll()) listings.push(await this.listing(template));
    return listings;
  }

  /** One template with its state. */
  async get(id: string): Promise<TemplateListing> {
    return this.listing(await this.catalog.load(id));
  }

  /** Go to dialog: the file and its nodes (the template's nodes when it is not installed). */
  async show(id: string): Promise<DialogView> {
    const template = await this.catalog.load(id);
    const inspection = await this.inspect(template);
    const source = inspection.installed?.json ?? (template.dialog as Record<string, unknown>);
    return {
      id,
      name: template.name,
      state: inspection.state,
      version: template.version,
      ...(inspection.installedVersion === undefined ? {} : { installedVersion: inspection.installedVersion }),
      file: this.fileOf(id),
      nodes: nodeRows(source),
    };
  }

  /**
   * Installs one template. Already installed: nothing is written (`unchanged`; or `kept-edited` / `kept-outdated`
   * with the command that would replace it).
   */
  async install(id: string): Promise<InstallResult> {
    const template = await this.catalog.load(id);
    const inspection = await this.inspect(template);
    const file = this.fileOf(id);
    const base = { id, file, version: template.version };
    switch (inspection.state) {
      case 'not-installed':
        await this.write(template, 'installed');
        return { ...base, outcome: 'installed', message: `Installed ${id} ${template.version} into ${file}.` };
      case 'installed':
        return { ...base, outcome: 'unchanged', message: `${id} ${template.version} is already installed; nothing changed.` };
      case 'not-loaded':
      case 'edited':
        return {
          ...base,
          outcome: 'kept-edited',
          ...this.previous(inspection),
          message: `${id} is installed and was edited since; your file is kept. To replace it with template ${template.version}, run: tva templates upgrade ${id} --force`,
        };
      case 'outdated':
        return {
          ...base,
          outcome: 'kept-outdated',
          ...this.previous(inspection),
          message: `${id} ${inspection.installedVersion ?? '?'} is installed; template ${template.version} is newer. Run: tva templates upgrade ${id}`,
        };
    }
  }

  /** Installs every template; a refused one does not stop the others. */
  async installAll(): Promise<BatchResult> {
    return this.batch(await this.catalog.ids(), (id) => this.install(id));
  }

  /**
   * Upgrades an installed dialog to the template's version. An edited dialog is refused with a conflict report
   * (which nodes and fields differ) unless `force` is set.
   */
  async upgrade(id: string, options: { force?: boolean } = {}): Promise<InstallResult> {
    const template = await this.catalog.load(id);
    const inspection = await this.inspect(template);
    const file = this.fileOf(id);
    const base = { id, file, version: template.version, ...this.previous(inspection) };
    if (inspection.state === 'not-installed') {
      throw new TemplateError('not_installed', `${id} is not installed. Run: tva templates install ${id}`, [
        { path: '/id', message: `no ${id}.json in ${this.dialogsDir}` },
      ]);
    }
    if (inspection.state === 'edited' && !inspection.outdated && options.force !== true) {
      // Nothing newer to bring in: the edits stay, and an upgrade --all over such a dialog succeeds.
      return {
        ...base,
        outcome: 'kept-edited',
        message: `Nothing to upgrade: ${id} was edited, and template ${template.version} is the version it was installed from; your file is kept.`,
      };
    }
    if (inspection.edited) {
      if (options.force !== true) {
        const report = inspection.installed?.json
          ? conflictReport(inspection.installed.json, template)
          : [{ path: '', message: 'The installed file is not valid JSON.' }];
        const notLoaded = inspection.problem === undefined ? '' : `${id} is not loaded by the bot (${inspection.problem.replace(/\.$/, '')}). `;
        throw new TemplateError(
          'conflict',
          `${notLoaded}${id} was edited since it was installed, so upgrading would lose your changes. Review the differences, then run: tva templates upgrade ${id} --force`,
          report,
        );
      }
      await this.write(template, 'upgraded');
      return { ...base, outcome: 'replaced', message: `Replaced your edited ${id} with template ${template.version}.` };
    }
    if (inspection.state === 'outdated') {
      await this.write(template, 'upgraded');
      return {
        ...base,
        outcome: 'upgraded',
        message: `Upgraded ${id} from ${inspection.installedVersion ?? '?'} to ${template.version}.`,
      };
    }
    return { ...base, outcome: 'unchanged', message: `${id} ${template.version} is up to date; nothing changed.` };
  }

  /** Upgrades every installed dialog that has a template. */
  async upgradeAll(options: { force?: boolean } = {}): Promise<BatchResult> {
    const installed: string[] = [];
    for (const id of await this.catalog.ids()) if ((await this.readInstalled(id)) !== undefined) installed.push(id);
    return this.batch(installed, (id) => this.upgrade(id, options));
  }

  /** Removes an installed dialog. */
  async uninstall(id: string): Promise<InstallResult> {
    const template = await this.catalog.load(id);
    const file = this.fileOf(id);
    const inspection = await this.inspect(template);
    if (inspection.state === 'not-installed') {
      throw new TemplateError('not_installed', `${id} is not installed, so there is nothing to uninstall.`, [
        { path: '/id', message: `no ${id}.json in ${this.dialogsDir}` },
      ]);
    }
    await unlink(file);
    await this.changed({ kind: 'uninstalled', id, file }, template.version, inspection.installedVersion);
    return {
      id,
      file,
      version: template.version,
      outcome: 'uninstalled',
      ...this.previous(inspection),
      message: `Uninstalled ${id}: removed ${file}.`,
    };
  }

  private previous(inspection: Inspection): { previousVersion?: string } {
    return inspection.installedVersion === undefined ? {} : { previousVersion: inspection.installedVersion };
  }

  private async batch(ids: string[], run: (id: string) => Promise<InstallResult>): Promise<BatchResult> {
    const out: BatchResult = { results: [], failures: [] };
    for (const id of ids) {
      try {
        out.results.push(await run(id));
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        out.failures.push({ id, error: err });
      }
    }
    return out;
  }

  private async listing(template: Template): Promise<TemplateListing> {
    const inspection = await this.inspect(template);
    return {
      id: template.id,
      name: template.name,
      description: template.description,
      version: template.version,
      state: inspection.state,
      ...(inspection.problem === undefined ? {} : { problem: inspection.problem }),
      ...(inspection.installedVersion === undefined ? {} : { installedVersion: inspection.installedVersion }),
      edited: inspection.edited,
      outdated: inspection.outdated,
      file: this.fileOf(template.id),
    };
  }

  private async readInstalled(id: string): Promise<InstalledFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.fileOf(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      json = isRecord(parsed) ? parsed : undefined;
    } catch {
      json = undefined;
    }
    return { text, json };
  }

  private async inspect(template: Template): Promise<Inspection> {
    const installed = await this.readInstalled(template.id);
    if (installed === undefined) return { state: 'not-installed', edited: false, outdated: false };
    const from = installedFromOf(installed.json);
    // A file we did not write (no installedFrom, or another template's) counts as the developer's own edit.
    const edited =
      installed.json === undefined || from === undefined || from.template !== template.id || dialogHash(installed.json) !== from.hash;
    const outdated = from !== undefined && compareVersions(template.version, from.version) > 0;
    const problem = this.problemOf(installed);
    const state: TemplateState = problem !== undefined ? 'not-loaded' : edited ? 'edited' : outdated ? 'outdated' : 'installed';
    return {
      state,
      edited,
      outdated,
      installed,
      ...(problem === undefined ? {} : { problem }),
      ...(from === undefined ? {} : { installedVersion: from.version }),
    };
  }

  /** Why the bot would not load this file (as loadDialogDirectory judges it), or undefined. */
  private problemOf(installed: InstalledFile): string | undefined {
    if (installed.json === undefined) return 'not readable JSON';
    const result = validateDialogTask(installed.json, { operations: this.operations });
    if (result.ok) return undefined;
    const first = result.problems[0];
    const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : '';
    return first === undefined ? 'not a valid dialog' : `${first.pointer || '/'}: ${first.message}${more}`;
  }

  private async write(template: Template, kind: ChangeKind): Promise<void> {
    const file = this.fileOf(template.id);
    await mkdir(this.dialogsDir, { recursive: true });
    const text = renderInstalledDialog(template);
    // write-file-atomic writes a temporary file beside the target, then renames it: a reader (the bot loading
    // dialogs/) sees the old file or the new one, never half of one.
    await writeFileAtomic(file, text, { encoding: 'utf8' });
    await this.changed({ kind, id: template.id, file, dialog: JSON.parse(text) as DialogTask }, template.version, undefined);
  }

  private async audited(kind: ChangeKind, id: string, version: string, file: string, previousVersion: string | undefined): Promise<void> {
    await this.audit?.({
      action: AUDIT_ACTIONS[kind],
      target: `templates/${id}`,
      outcome: 'ok',
      details: { version, file: path.basename(file), ...(previousVersion === undefined ? {} : { previousVersion }) },
    });
  }
}
