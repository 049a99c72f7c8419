/**
 * Watches the installed dialogs directory (`dialogs/`): installs by `tva templates` in another process, and a
 * developer's edits, reach the running bot too. Reports once the directory has been quiet for a moment (an atomic
 * write is a create and a rename); files other than `*.json` are ignored.
 */
import { watch, type FSWatcher } from 'node:fs';

export interface DialogWatcherOptions {
  /** Called once the directory has been quiet for `quietMs` after a change to a `*.json` file. */
  onChange: () => void;
  /** Called when watching stops working (the directory was removed, too many watchers …). */
  onError?: (err: Error) => void;
  /** Default 200 ms. */
  quietMs?: number;
}

export class DialogWatcher {
  private readonly watcher: FSWatcher;
  private pending: NodeJS.Timeout | undefined;

  constructor(dir: string, options: DialogWatcherOptions) {
    const quietMs = options.quietMs ?? 200;
    this.watcher = watch(dir, (_event, name) => {
      if (name !== null && !String(name).endsWith('.json')) return;
      clearTimeout(this.pending);
      this.pending = setTimeout(options.onChange, quietMs);
    });
    this.watcher.on('error', (err) => options.onError?.(err));
  }

  /** Stops watching; a pending report is dropped. */
  close(): void {
    clearTimeout(this.pending);
    this.watcher.close();
  }
}
