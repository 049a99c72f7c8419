/**
 * What the engine may log. Verification codes typed by users never reach a log: digit runs of 4 to 10 digits are
 * replaced by `***` in every string, and digits entities of that length are masked by name.
 */
import type { DialogTask } from './schema';

/** The engine's logger: pino, console or a test spy behind three methods. */
export interface DialogLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** False when lines of this level are dropped: the engine then builds (and redacts) no fields. Default: true. */
  isEnabled?(level: 'info' | 'warn' | 'error'): boolean;
}

export const noLogger: DialogLogger = { info: () => {}, warn: () => {}, error: () => {} };

export const REDACTED = '***';

/** Replaces digit runs that could be a code (4-10 digits, spaces or dashes between them allowed). */
export function redactDigits(text: string): string {
  return text.replace(/\d(?:[\s-]?\d)*/g, (run) => {
    const digits = run.replace(/\D/g, '').length;
    return digits >= 4 && digits <= 10 ? REDACTED : run;
  });
}

/** A deep copy of log fields with every string passed through `redactDigits`. */
export function redactForLog(fields: Record<string, unknown>): Record<string, unknown> {
  const visit = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redactDigits(value);
    if (typeof value === 'number' && Number.isInteger(value)) {
      const digits = String(Math.abs(value)).length;
      return digits >= 4 && digits <= 10 && value > 99999 ? REDACTED : value;
    }
    if (depth > 8 || typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((item) => visit(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item, depth + 1)]));
  };
  return visit(fields, 0) as Record<string, unknown>;
}

/**
 * Entities for a log line: digits entities (codes) become `***`, other text keeps its last four characters only
 * (`…0123`), so a log can be correlated without holding phone numbers or addresses.
 */
export function redactEntities(task: DialogTask, entities: Record<string, unknown>): Record<string, unknown> {
  const digitEntities = new Set(
    task.nodes.flatMap((node) => (node.type === 'entity' && node.entityType === 'digits' ? [node.entity] : [])),
  );
  return Object.fromEntries(
    Object.entries(entities).map(([name, value]) => {
      if (digitEntities.has(name)) return [name, REDACTED];
      if (typeof value !== 'string') return [name, value];
      return [name, value.length > 4 ? `…${value.slice(-4)}` : '…'];
    }),
  );
}
