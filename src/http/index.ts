/**
 * HTTP plumbing shared by every route module (admin API, bot endpoint, authorization pages, template routes):
 * reading a request body with a size limit. Each caller maps the failure to its own reply format.
 */
import type { IncomingMessage } from 'node:http';

/** The body is over the limit; the rest of it was drained so the connection can answer. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`The body is larger than ${limitBytes} bytes.`);
  }
}

/**
 * Reads the whole body, refusing it as soon as it (or its declared Content-Length) exceeds `limitBytes`, so an
 * oversized body is never buffered.
 */
export async function readBoundedBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limitBytes) {
    req.resume();
    throw new BodyTooLargeError(limitBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limitBytes) {
      req.resume();
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export {
  AUDIENCES,
  installAudienceGuards,
  isGuarded,
  mountRoutes,
  routeAudience,
  type Audience,
  type AudienceGuards,
  type RouteDefinition,
  type RouteMethod,
} from './routes';
