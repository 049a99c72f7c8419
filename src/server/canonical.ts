/**
 * One spelling per path. The router decodes percent-encoding, cuts paths at `;`, and `url.parse` reads
 * `//host/path` and `http://host/path` as a path on another host, so a check on the raw request target and the
 * router can disagree about which route a request is for. The server therefore canonicalizes the request target
 * once, before routing: it refuses spellings that are ambiguous, and hands the router, the guards and the request
 * log one canonical form of the rest.
 *
 * Refused (400): targets that are not origin-form (`http://…`, `host:port`; `*` only for OPTIONS), `#`, `;`,
 * characters URLs do not allow, malformed percent-encoding, encoded `/` or `\`, a decoded `%` (double encoding such
 * as `%2561`), control characters, `.` and `..` segments (plain or encoded), and empty segments (`//`). A trailing
 * slash is kept as it is (the router then finds no route for it).
 */

/** A request target the server accepts, in canonical form. */
export interface CanonicalTarget {
  ok: true;
  /** The decoded path, e.g. `/api/admin/profiles/team`: for guards and logs. */
  path: string;
  /** The canonical request target (each segment re-encoded, query kept): what the router sees. */
  url: string;
}

/** A request target the server refuses, and why (said to the client; never echoes the target). */
export interface RefusedTarget {
  ok: false;
  reason: string;
}

// RFC 3986 pchar without `;` (refused on its own) plus `/`, `%` checked separately.
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,=:@%/]*$/;
const PERCENT = /%(?![0-9A-Fa-f]{2})/;
const QUERY_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
/** C0 controls and DEL, checked on decoded text. */
const hasControl = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

const refuse = (reason: string): RefusedTarget => ({ ok: false, reason });

/** Canonicalizes a request target (`req.url`) for `method`, or says why it is refused. */
export function canonicalizeTarget(method: string, target: string): CanonicalTarget | RefusedTarget {
  if (target === '*') {
    return method === 'OPTIONS' ? { ok: true, path: '*', url: '*' } : refuse('The request target "*" is only valid for OPTIONS.');
  }
  if (!target.startsWith('/') || target.startsWith('//')) {
    return refuse('Send the path alone (origin-form, e.g. GET /api/admin/action), not an absolute URL or an authority.');
  }
  if (target.includes('#')) return refuse('A request target cannot contain "#".');
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? undefined : target.slice(q + 1);
  if (rawPath.includes(';')) return refuse('Path parameters (";") are not accepted; send the path without them.');
  if (!PATH_CHARS.test(rawPath)) return refuse('The path contains characters that must be percent-encoded.');
  if (PERCENT.test(rawPath) || (query !== undefined && PERCENT.test(query))) {
    return refuse('The request target has a malformed percent-encoding ("%" must be followed by two hex digits).');
  }
  if (query !== undefined && !QUERY_CHARS.test(query)) return refuse('The query contains characters that must be percent-encoded.');

  const rawSegments = rawPath.split('/').slice(1);
  const decoded: string[] = [];
  for (const [i, raw] of rawSegments.entries()) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return refuse('The path has percent-encoded bytes that are not UTF-8.');
    }
    if (segment === '') {
      if (i === rawSegments.length - 1) {
        decoded.push(segment);
        continue;
      }
      return refuse('The path has an empty segment ("//").');
    }
    if (segment === '.' || segment === '..') return refuse('The path has a "." or ".." segment; send the resolved path.');
    if (segment.includes('/') || segment.includes('\\')) return refuse('The path has an encoded "/" or "\\" in a segment.');
    if (segment.includes(';')) return refuse('Path parameters (";") are not accepted; send the path without them.');
    if (segment.includes('%')) return refuse('The path is percent-encoded twice (a decoded "%"); encode it once.');
    if (hasControl(segment)) return refuse('The path contains control characters.');
    decoded.push(segment);
  }
  const path = `/${decoded.join('/')}`;
  const url = `/${decoded.map((s) => encodeURIComponent(s)).join('/')}${query === undefined ? '' : `?${query}`}`;
  return { ok: true, path, url };
}

/** True when a canonical path is `prefix` or below it, compared without regard to case (`/API/Admin/x`). */
export function isUnder(path: string, prefix: string): boolean {
  const lower = path.toLowerCase();
  return lower === prefix || lower.startsWith(`${prefix}/`);
}
