/**
 * The hash an installed dialog carries in `installedFrom.hash`: sha256 over a canonical JSON (object keys sorted,
 * no whitespace) of the dialog without `installedFrom` and `$schema`, so reformatting or reordering keys in an
 * editor is not an edit, while any change of content is.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level and no insignificant whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The dialog's content: everything except what the installer adds (`$schema`, `installedFrom`). */
export function dialogContent(dialog: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { $schema: _schema, installedFrom: _installedFrom, ...content } = dialog;
  return content;
}

/** `sha256-<hex>` of the canonical JSON of the dialog's content. */
export function dialogHash(dialog: Readonly<Record<string, unknown>>): string {
  return `sha256-${createHash('sha256').update(canonicalJson(dialogContent(dialog))).digest('hex')}`;
}
