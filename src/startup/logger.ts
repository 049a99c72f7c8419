/** The process logger of `npm start`: JSON lines on stdout, every path that could hold a secret redacted. */
import pino, { type Logger } from 'pino';

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

/** The process logger (JSON lines on stdout), secrets redacted. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'tva', level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
