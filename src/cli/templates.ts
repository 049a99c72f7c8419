/**
 * `tva templates …`: explore, install, show, upgrade and uninstall the action's templates.
 * Every refusal (unknown id, conflict, invalid template) prints a clear message on stderr and exits with 1.
 * Installs, upgrades and uninstalls are audited in the server's store (DATA_DIR or DATABASE_URL) as `cli:<user>`,
 * like the same changes made through the admin API.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { openStore, type Store } from '../store';
import {
  DialogInstaller,
  TemplateError,
  type TemplateAuditEntry,
  type BatchResult,
  type InstallResult,
  type TemplateListing,
  type TemplateProblem,
} from '../templates';

import { cliActor } from './action';

interface DirOptions {
  dialogsDir?: string;
  templatesDir?: string;
  dataDir?: string;
}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function refuse(message: string, details: TemplateProblem[] = []): void {
  process.stderr.write(`tva: ${message}\n`);
  for (const d of details) process.stderr.write(`  ${d.path || '/'}: ${d.message}\n`);
  process.exitCode = 1;
}

/** A fixed-width table; the last column is not padded. */
function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  out(line(headers));
  for (const row of rows) out(line(row));
}

function relative(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function stateText(t: TemplateListing): string {
  switch (t.state) {
    case 'installed':
      return 'installed';
    case 'not-installed':
      return 'not installed';
    case 'outdated':
      return `outdated (installed ${t.installedVersion ?? '?'})`;
    case 'edited':
      return t.outdated ? `edited (installed ${t.installedVersion ?? '?'}, newer available)` : 'edited';
    case 'not-loaded':
      return `not loaded (${t.problem ?? 'broken file'})`;
  }
}

/** The outcome, then the message (which names the dialog already). */
function printResult(r: InstallResult): void {
  out(`${r.outcome.padEnd(13)} ${r.message}`);
}

function printBatch(batch: BatchResult): void {
  for (const r of batch.results) printResult(r);
  for (const f of batch.failures) refuse(f.error.message, f.error.details);
}

/** Runs an action; a TemplateError becomes a message on stderr and exit code 1. */
async function guarded(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (err instanceof TemplateError) {
      refuse(err.message, err.details);
      return;
    }
    throw err;
  }
}

export function registerTemplateCommands(program: Command): void {
  const templates = program
    .command('templates')
    .description('Explore, install, show, upgrade and uninstall the pre-built templates (dialog tasks in dialogs/)')
    .addOption(new Option('--dialogs-dir <dir>', 'where installed dialogs live (the server\'s DIALOGS_DIR)').env('DIALOGS_DIR').default('./dialogs'))
    .option('--templates-dir <dir>', "where the templates are (default: the package's templates/)")
    .addOption(
      new Option('--data-dir <dir>', "the server's store, where installs, upgrades and uninstalls are audited (DATABASE_URL, when set, wins)")
        .env('DATA_DIR')
        .default('./data'),
    );

  const installer = (cmd: Command, audit?: (entry: TemplateAuditEntry) => Promise<void>): DialogInstaller => {
    const opts = cmd.optsWithGlobals<DirOptions>();
    return new DialogInstaller({
      dialogsDir: path.resolve(opts.dialogsDir || './dialogs'),
      ...(opts.templatesDir === undefined ? {} : { templatesDir: path.resolve(opts.templatesDir) }),
      ...(audit === undefined ? {} : { audit }),
    });
  };

  /**
   * An installer whose every change is written to the audit log of the server's store, opened first: when the store
   * can't be opened, nothing is changed (an unaudited change is what this prevents).
   */
  const audited = async (cmd: Command, change: (installer: DialogInstaller) => Promise<void>): Promise<void> => {
    const opts = cmd.optsWithGlobals<DirOptions>();
    const databaseUrl = process.env['DATABASE_URL'];
    const where = databaseUrl ? 'DATABASE_URL' : path.resolve(opts.dataDir || './data');
    let store: Store;
    try {
      store = await openStore(databaseUrl ? { databaseUrl } : { dataDir: path.resolve(opts.dataDir || './data') });
    } catch (err) {
      refuse(`Nothing was changed: the store that keeps the audit log (${where}) could not be opened: ${err instanceof Error ? err.message : String(err)}. Check --data-dir (DATA_DIR) or DATABASE_URL.`);
      return;
    }
    const actor = cliActor();
    try {
      await change(
        installer(cmd, async (entry) => {
          await store.appendAudit({ actor, ...entry });
        }),
      );
    } finally {
      await store.close();
    }
  };

  templates
    .command('list')
    .description('List the templates with their state: not installed, installed, outdated or edited')
    .action(async (_opts: unknown, cmd: Command) =>
      guarded(async () => {
        const list = await installer(cmd).list();
        table(
          ['ID', 'VERSION', 'STATE', 'NAME'],
          list.map((t) => [t.id, t.version, stateText(t), t.name]),
        );
      }),
    );

  templates
    .command('install')
    .description('Install a template as a dialog task (or every template with --all); installed ones are left as they are')
    .argument('[id]', 'the template id, e.g. send-sms')
    .option('--all', 'install every template')
    .action(async (id: string | undefined, opts: { all?: boolean }, cmd: Command) =>
      guarded(async () => {
        if ((id === undefined) === (opts.all !== true)) {
          refuse(`Give a template id or --all${id === undefined ? '' : ', not both'} (run "tva templates list" to see the ids).`);
          return;
        }
        await audited(cmd, async (dialogs) => {
          if (id === undefined) printBatch(await dialogs.installAll());
          else printResult(await dialogs.install(id));
        });
      }),
    );

  templates
    .command('uninstall')
    .description('Remove an installed dialog task')
    .argument('<id>', 'the template id')
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      guarded(async () => audited(cmd, async (dialogs) => printResult(await dialogs.uninstall(id)))),
    );

  templates
    .command('show')
    .description('Go to dialog: the dialog file and its nodes')
    .argument('<id>', 'the template id')
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      guarded(async () => {
        const view = await installer(cmd).show(id);
        out(`${view.name} (${view.id})`);
        out(`state:    ${view.state}${view.installedVersion ? `, from template ${view.installedVersion}` : ''} (template version ${view.version})`);
        out(`file:     ${relative(view.file)}${view.state === 'not-installed' ? ' (not installed yet: these are the template\'s nodes)' : ''}`);
        out();
        table(
          ['NODE', 'TYPE', 'SUMMARY'],
          view.nodes.map((n) => [n.id, n.type, n.summary]),
        );
      }),
    );

  templates
    .command('upgrade')
    .description('Upgrade installed dialogs to newer templates; an edited dialog is refused unless --force')
    .argument('[id]', 'the template id')
    .option('--all', 'upgrade every installed template')
    .option('--force', 'replace a dialog even if it was edited since install (your changes are lost)')
    .action(async (id: string | undefined, opts: { all?: boolean; force?: boolean }, cmd: Command) =>
      guarded(async () => {
        if ((id === undefined) === (opts.all !== true)) {
          refuse(`Give a template id or --all${id === undefined ? '' : ', not both'}.`);
          return;
        }
        const force = opts.force === true;
        await audited(cmd, async (dialogs) => {
          if (id === undefined) printBatch(await dialogs.upgradeAll({ force }));
          else printResult(await dialogs.upgrade(id, { force }));
        });
      }),
    );
}
