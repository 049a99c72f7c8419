/**
 * Who may talk to the emulator. It listens on loopback only, but a web page the developer opens can still reach it:
 * through DNS rebinding (a host name of the attacker's that resolves to 127.0.0.1, so the browser sends that name as
 * `Host`) or with "simple" cross-origin requests (a `text/plain` POST needs no preflight). So every request must name
 * a loopback host, and the developer endpoints change state only for same-origin JSON requests.
 */
import { isIP } from 'node:net';
import { escapeControlCharacters } from './format';

/** A refusal: the HTTP status and a sentence saying what to do instead. */
export interface Refusal {
  status: number;
  message: string;
}

/** `127.x.x.x`, `localhost` or `::1`, the forms a loopback host name takes once its port and brackets are gone. */
function isLoopbackName(name: string): boolean {
  const host = name.toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The host name of a `Host` header value (`127.0.0.1:3979`, `[::1]:3979`, `localhost`), or undefined if malformed. */
function hostName(value: string): string | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(value.trim());
  return match?.[1] ?? match?.[2];
}

/** True when a `Host` header names loopback: 127.0.0.1, localhost or [::1], with or without a port. */
export function isLoopbackHostHeader(value: string | undefined): boolean {
  if (value === undefined) return false;
  const name = hostName(value);
  return name !== undefined && isLoopbackName(name);
}

/** True when an `Origin` header is an http(s) origin on a loopback host (any port). */
export function isLoopbackOrigin(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return isLoopbackName(url.hostname.replace(/^\[(.*)\]$/, '$1'));
}

/** Refuses a request whose `Host` is not a loopback name (DNS rebinding); applies to every path. */
export function checkHost(host: string | undefined): Refusal | undefined {
  if (isLoopbackHostHeader(host)) return undefined;
  return {
    status: 403,
    message:
      'The Twilio emulator answers only requests addressed to a loopback host (127.0.0.1, localhost or [::1], ' +
      `with or without a port), not "${printable(host ?? '')}". Use http://127.0.0.1:<port>.`,
  };
}

interface StateChangeHeaders {
  origin?: string | undefined;
  secFetchSite?: string | undefined;
  contentType?: string | undefined;
}

/**
 * Refuses a state-changing developer request (POST, DELETE) that a web page of another origin could have sent, and
 * a POST whose body is not declared as JSON (browsers send `text/plain` cross-origin without asking first).
 */
export function checkStateChange(method: string, headers: StateChangeHeaders): Refusal | undefined {
  const site = headers.secFetchSite?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    return { status: 403, message: `Cross-origin requests may not change the emulator (Sec-Fetch-Site: ${site}). Call it from a terminal, a test or a loopback page.` };
  }
  if (headers.origin !== undefined && !isLoopbackOrigin(headers.origin)) {
    return {
      status: 403,
      message: `Requests from the origin "${printable(headers.origin)}" may not change the emulator; only loopback origins (http://127.0.0.1, http://localhost, http://[::1]) may.`,
    };
  }
  if (method === 'POST') {
    const type = headers.contentType?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return { status: 415, message: 'Send the body as JSON with the header Content-Type: application/json.' };
    }
  }
  return undefined;
}

/** A header value safe to quote in a message: control characters escaped, at most 100 characters. */
function printable(value: string): string {
  return escapeControlCharacters(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}
