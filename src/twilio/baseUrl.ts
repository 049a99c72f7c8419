import { TwilioActionError } from './errors';

/** Where each Twilio domain the gateway uses lives. */
export interface DomainBaseUrls {
  api: string;
  verify: string;
}

export const TWILIO_BASE_URLS: Readonly<DomainBaseUrls> = Object.freeze({
  api: 'https://api.twilio.com',
  verify: 'https://verify.twilio.com',
});

/** `api.twilio.com`, `verify.twilio.com`, and their edge/region forms such as `api.dublin.ie1.twilio.com`. */
const TWILIO_HOST = /^(api|verify)((?:\.[a-z0-9-]+){0,2})\.twilio\.com$/;

function invalid(message: string): TwilioActionError {
  return new TwilioActionError({ code: 'invalid_base_url', status: 0, twilioMessage: message, userMessage: message });
}

/**
 * twilio-node's `BaseTwilio.getHostname()` runs on every request. With region and edge cleared it still treats the
 * last two labels of a host as the domain and the next ones as product.edge.region, so it rewrites hosts that do not
 * fit that shape: `example.com` becomes `example.com.example.com`, `api.localhost` becomes
 * `api.localhost.api.localhost`, and a sixth label is dropped. This is the same computation, used to refuse such
 * base URLs up front instead of sending requests to a host nobody asked for.
 */
export function sdkRewritesHostname(hostname: string): boolean {
  const domain = hostname.split('.').slice(-2).join('.');
  const prefix = hostname.split(`.${domain}`)[0] ?? '';
  const [product, ...labels] = prefix.split('.');
  let [edge, region] = labels;
  if (edge && !region) {
    region = edge;
    edge = undefined;
  }
  if (!region) return false;
  return [product, edge, region, domain].filter((part) => part).join('.') !== hostname;
}

/**
 * Checks a base URL override and returns the base URL of each domain. No override means real Twilio. A Twilio host
 * (`https://api.twilio.com`, `https://verify.dublin.ie1.twilio.com`) keeps each domain on its own host; any other
 * URL (the local emulator, a tenant's proxy) serves both domains. Throws TwilioActionError 'invalid_base_url'
 * with what to use instead.
 */
export function resolveBaseUrls(baseUrl: string | undefined): DomainBaseUrls {
  if (baseUrl === undefined || baseUrl.trim() === '') return { ...TWILIO_BASE_URLS };
  const text = baseUrl.trim();
  if (/[{}]/.test(text)) {
    throw invalid(`Base URL "${text}" still holds a placeholder such as {tenant}: replace it with the tenant's value.`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`Base URL "${text}" is not a URL: use a full URL such as https://api.twilio.com or http://127.0.0.1:3979.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`Base URL "${text}" uses ${url.protocol.replace(':', '')}: use an http or https URL.`);
  }
  if (url.username || url.password) {
    throw invalid('The base URL must not hold credentials: enter them as the Account SID and Auth Token instead.');
  }
  if (url.search || url.hash || text.includes('?') || text.includes('#')) {
    throw invalid(`Base URL "${text}" has a query or fragment: use only scheme, host, port and path.`);
  }
  const host = url.hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw invalid(
      `Base URL "${text}": use 127.0.0.1 instead of localhost (twilio-node rewrites localhost host names, and localhost may resolve to ::1).`,
    );
  }
  if (sdkRewritesHostname(host)) {
    throw invalid(
      `Base URL "${text}": twilio-node would rewrite the host name ${host}; use a host name with three or more labels, e.g. api.example.com, or an IP address such as 127.0.0.1.`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  const twilioHost = TWILIO_HOST.exec(host);
  if (twilioHost) {
    if (url.protocol !== 'https:' || path !== '' || url.port !== '') {
      throw invalid(`Base URL "${text}": Twilio hosts are used over https without a port or path, e.g. https://api.twilio.com.`);
    }
    const rest = twilioHost[2] ?? '';
    return { api: `https://api${rest}.twilio.com`, verify: `https://verify${rest}.twilio.com` };
  }
  const normalized = `${url.protocol}//${url.host}${path}`;
  return { api: normalized, verify: normalized };
}
