/**
 * Which address a request comes from, for the admin backoff. By default the socket's peer: `X-Forwarded-For` is
 * written by whoever sends the request, so it counts only when `TRUST_PROXY` says a proxy in front of the server
 * sets it (the same rules as Express' `trust proxy`):
 *
 * - unset, `false` or `0`: the socket address; `X-Forwarded-For` is ignored;
 * - `true`: the left-most `X-Forwarded-For` address (every hop is trusted);
 * - a hop count `n`: the address `n` hops from the server (1 = the address the nearest proxy saw);
 * - a list of addresses and CIDR ranges (`loopback` for 127.0.0.0/8 and ::1): walking from the server outwards,
 *   the first address that is not a trusted proxy.
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'all' }
  | { kind: 'hops'; hops: number }
  | { kind: 'list'; proxies: BlockList; entries: string[] };

export const TRUST_NO_PROXY: TrustProxy = { kind: 'none' };

/** `::ffff:127.0.0.1` is 127.0.0.1: one client, one spelling. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function addEntry(list: BlockList, entry: string): boolean {
  if (entry === 'loopback') {
    list.addSubnet('127.0.0.0', 8, 'ipv4');
    list.addAddress('::1', 'ipv6');
    return true;
  }
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(address, type);
    return true;
  }
  const prefix = Number(bits);
  if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) return false;
  list.addSubnet(address, prefix, type);
  return true;
}

/** Parses `TRUST_PROXY`; throws an Error whose message says what is accepted. */
export function parseTrustProxy(text: string | undefined): TrustProxy {
  const value = (text ?? '').trim();
  if (value === '' || value === 'false') return TRUST_NO_PROXY;
  if (value === 'true') return { kind: 'all' };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 100) throw new Error(`TRUST_PROXY hop count ${value} is implausible; use the number of proxies in front of the server.`);
    return hops === 0 ? TRUST_NO_PROXY : { kind: 'hops', hops };
  }
  const proxies = new BlockList();
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    if (!addEntry(proxies, entry)) {
      throw new Error(
        `TRUST_PROXY entry "${entry}" is not an IP address or CIDR range. Use true, a hop count, or a list such as "loopback, 10.0.0.0/8".`,
      );
    }
  }
  return { kind: 'list', proxies, entries };
}

function isTrusted(proxies: BlockList, address: string): boolean {
  const plain = plainAddress(address);
  const family = isIP(plain);
  if (family === 0) return false;
  return proxies.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

function forwardedFor(req: IncomingMessage): string[] {
  const header = req.headers['x-forwarded-for'];
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** The client address of `req` under `trust`. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  const socket = plainAddress(req.socket.remoteAddress ?? 'unknown');
  if (trust.kind === 'none') return socket;
  const hops = [socket, ...forwardedFor(req).reverse().map(plainAddress)];
  if (trust.kind === 'all') return hops[hops.length - 1] ?? socket;
  if (trust.kind === 'hops') return hops[Math.min(trust.hops, hops.length - 1)] ?? socket;
  for (let i = 0; i < hops.length - 1; i++) {
    const hop = hops[i] ?? socket;
    if (!isTrusted(trust.proxies, hop)) return hop;
  }
  return hops[hops.length - 1] ?? socket;
}

/** True for loopback addresses (127.0.0.0/8, ::1, and their IPv4-mapped forms). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = plainAddress(address);
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}
