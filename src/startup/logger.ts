/**
 * The process logger of `npm start`, every path that could hold a secret redacted. JSON lines when stdout is not a
 * terminal or `LOG_FORMAT=json` (for log collectors); on a terminal one short line per event (`LOG_FORMAT=pretty`
 * forces it), so the banner and the turns stay readable.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

/** Log paths that could ever hold a secret: redacted wherever they appear. */
export const REDACTED_PATHS = [
  'authToken',
  'apiKeySecret',
  'password',
  'token',
  'adminToken',
  '*.authToken',
  '*.apiKeySecret',
  '*.password',
  '*.token',
  '*.adminToken',
  'req.headers.authorization',
  'headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  'req.headers["x-csrf-token"]',
  'headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers["set-cookie"]',
  'csrf',
  '*.csrf',
];

export type LogFormat = 'json' | 'pretty';

/** Where log lines go: stdout, or a test's sink. */
export interface LogDestination {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** Default: LOG_FORMAT, else pretty when the destination is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Default: process.stdout. */
  destination?: LogDestination;
  /** Read for LOG_FORMAT; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** LOG_FORMAT (`json` or `pretty`), or the destination's kind: pretty on a terminal, JSON otherwise. */
export function logFormatOf(env: NodeJS.ProcessEnv, destination: LogDestination): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  if (asked) throw new Error(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT ?? ''}".`);
  return destination.isTTY === true ? 'pretty' : 'json';
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** What every JSON line carries and a person at a terminal does not need. */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  if (value !== null && typeof value === 'object' && 'message' in value && typeof value.message === 'string') return JSON.stringify(value.message);
  return JSON.stringify(value);
}

/** One JSON line as `12:04:05 WARN message key=value …`; a line that is not JSON passes through. */
export function prettyLine(json: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(json);
  } catch {
    return json;
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return json;
  const record = entry as Record<string, unknown>;
  const time = typeof record['time'] === 'number' ? new Date(record['time']).toISOString().slice(11, 19) : '';
  const level = typeof record['level'] === 'number' ? (LEVELS[record['level']] ?? String(record['level'])) : '';
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const msg = typeof record['msg'] === 'string' ? record['msg'] : '';
  return `${[time, level.padEnd(5), msg, ...fields].filter((part) => part !== '').join(' ')}\n`;
}

/** The process logger, secrets redacted, JSON or pretty (see logFormatOf). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  const format = options.format ?? logFormatOf(options.env ?? process.env, destination);
  const settings = { name: 'tva', level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  // pino writes each line whole and synchronously: formatting it here needs no worker thread (pino's transports),
  // so nothing is lost when the process exits right after logging.
  const stream: DestinationStream =
    format === 'json' ? { write: (line: string) => destination.write(line) } : { write: (line: string) => destination.write(prettyLine(line)) };
  return pino(settings, options.destination === undefined && format === 'json' ? pino.destination(1) : stream);
}
