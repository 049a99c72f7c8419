/**
 * `loadConfig(env)`: every environment variable of `npm start` (README.md, "Configuration") read once, checked,
 * and typed. Each bad variable gets one sentence saying what it must be; all of them are reported together.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js';
import type { SecretsEnv } from '../auth';
import { DEFAULT_TURN_BUDGET_MS, type BotAuthSettings } from '../bot';
import { parseTrustProxy, TRUST_NO_PROXY, type TrustProxy } from '../server';
import type { CountryCode, TwilioCredentials } from '../twilio';

/** A start refused before anything was opened or after something failed to start, with what to do about it. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface Config {
  host: string;
  port: number;
  /** `PUBLIC_BASE_URL` without trailing slashes; '' for "the listening URL". */
  publicBaseUrl: string;
  dataDir: string;
  databaseUrl?: string;
  /** `SQLITE_SYNCHRONOUS`: `full` (default: a reply means the turn survives a power loss) or `normal` (faster; a power loss may lose the last turns). */
  sqliteSynchronous: 'full' | 'normal';
  /** Absolute. */
  dialogsDir: string;
  secretsEnv: SecretsEnv;
  adminTokenEnv: { ADMIN_TOKEN?: string };
  /** Real Twilio from `TWILIO_*`, if set. */
  twilio?: {
    credentials: TwilioCredentials;
    baseUrl?: string;
    verifyServiceSid?: string;
    sender?: string;
  };
  defaultRegion?: CountryCode;
  emulator: { mode: 'auto' | 'off'; port: number };
  botAuth: BotAuthSettings;
  trustProxy: TrustProxy;
  turnBudgetMs: number;
  turnRecheckMs: number;
  conversationRetentionHours: number;
  healthCacheSeconds: number;
  logLevel: string;
}

/** HOST values that keep the server on this machine. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Collects one problem per bad variable; each reader returns its fallback after a problem. */
class Problems {
  readonly list: string[] = [];

  port(name: string, text: string | undefined, fallback: number): number {
    if (text === undefined || text === '') return fallback;
    const port = Number(text);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      this.list.push(`${name} must be a port number from 0 to 65535, not "${text}".`);
      return fallback;
    }
    return port;
  }

  /** A whole number within [min, max], or the fallback when unset. */
  wholeNumber(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.list.push(`${name} must be a whole number from ${min} to ${max}, not "${text}".`);
      return fallback;
    }
    return value;
  }

  /** DEFAULT_REGION: the country of numbers typed without +country code (ISO 3166 alpha-2, e.g. US, GB). */
  region(text: string | undefined): CountryCode | undefined {
    if (text === undefined || text === '') return undefined;
    const region = text.toUpperCase();
    if (!isSupportedCountry(region)) {
      this.list.push(`DEFAULT_REGION must be a two-letter country code such as US or GB, not "${text}".`);
      return undefined;
    }
    return region;
  }

  trustProxy(text: string | undefined): TrustProxy {
    try {
      return parseTrustProxy(text);
    } catch (err) {
      this.list.push(err instanceof Error ? err.message : String(err));
      return TRUST_NO_PROXY;
    }
  }

  /** Real Twilio credentials, if any (a half-set pair is a problem, not a silent fallback). */
  credentials(env: NodeJS.ProcessEnv): TwilioCredentials | undefined {
    const accountSid = env.TWILIO_ACCOUNT_SID;
    const { TWILIO_AUTH_TOKEN: authToken, TWILIO_API_KEY_SID: apiKeySid, TWILIO_API_KEY_SECRET: apiKeySecret } = env;
    if (!accountSid && !authToken && !apiKeySid && !apiKeySecret) return undefined;
    if (!accountSid) {
      this.list.push('TWILIO_ACCOUNT_SID is missing: set it with TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET).');
      return undefined;
    }
    if (apiKeySid || apiKeySecret) {
      if (apiKeySid && apiKeySecret) return { kind: 'api-key', accountSid, apiKeySid, apiKeySecret };
      this.list.push('Set both TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET, or neither.');
      return undefined;
    }
    if (authToken) return { kind: 'auth-token', accountSid, authToken };
    this.list.push('TWILIO_AUTH_TOKEN is missing: set it with TWILIO_ACCOUNT_SID (or use an API key).');
    return undefined;
  }
}

function botAuthOf(env: NodeJS.ProcessEnv): BotAuthSettings {
  return {
    ...(env.MicrosoftAppId ? { MicrosoftAppId: env.MicrosoftAppId } : {}),
    ...(env.MicrosoftAppPassword ? { MicrosoftAppPassword: env.MicrosoftAppPassword } : {}),
    ...(env.MicrosoftAppTenantId ? { MicrosoftAppTenantId: env.MicrosoftAppTenantId } : {}),
    ...(env.MicrosoftAppType ? { MicrosoftAppType: env.MicrosoftAppType } : {}),
  };
}

/** The configuration of `npm start`, or a StartupError naming every bad variable (one line each). */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const problems = new Problems();
  const host = env.HOST || '127.0.0.1';
  const port = problems.port('PORT', env.PORT, 3978);
  const emulatorPort = problems.port('EMULATOR_PORT', env.EMULATOR_PORT, 3979);
  const healthCacheSeconds = env.HEALTHZ_CACHE_SECONDS ? Number(env.HEALTHZ_CACHE_SECONDS) : 15;
  if (!Number.isInteger(healthCacheSeconds) || healthCacheSeconds < 0 || healthCacheSeconds > 3600) {
    problems.list.push(`HEALTHZ_CACHE_SECONDS must be a whole number of seconds from 0 to 3600, not "${env.HEALTHZ_CACHE_SECONDS}".`);
  }
  const botAuth = botAuthOf(env);
  if (!isLoopback(host) && !botAuth.MicrosoftAppId && env.ALLOW_ANONYMOUS_BOT !== 'true') {
    problems.list.push(
      `HOST=${host} would expose an anonymous bot (no MicrosoftAppId). Set MicrosoftAppId and MicrosoftAppPassword, ` +
        'or ALLOW_ANONYMOUS_BOT=true if something in front of the server authenticates callers.',
    );
  }
  const defaultRegion = problems.region(env.DEFAULT_REGION);
  const turnBudgetMs = problems.wholeNumber('TURN_BUDGET_MS', env.TURN_BUDGET_MS, DEFAULT_TURN_BUDGET_MS, 500, 120_000);
  const turnRecheckMs = problems.wholeNumber('TURN_RECHECK_MS', env.TURN_RECHECK_MS, 30_000, 0, 3_600_000);
  const conversationRetentionHours = problems.wholeNumber('CONVERSATION_RETENTION_HOURS', env.CONVERSATION_RETENTION_HOURS, 168, 1, 24 * 365);
  const trustProxy = problems.trustProxy(env.TRUST_PROXY);
  const synchronous = (env.SQLITE_SYNCHRONOUS ?? 'full').toLowerCase();
  if (synchronous !== 'full' && synchronous !== 'normal') {
    problems.list.push(`SQLITE_SYNCHRONOUS must be full or normal, not "${env.SQLITE_SYNCHRONOUS ?? ''}".`);
  }
  const credentials = problems.credentials(env);
  if (problems.list.length > 0) throw new StartupError(problems.list.join('\n'));

  return {
    host,
    port,
    publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, '') ?? '',
    dataDir: env.DATA_DIR || './data',
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    sqliteSynchronous: synchronous === 'normal' ? 'normal' : 'full',
    dialogsDir: path.resolve(env.DIALOGS_DIR || './dialogs'),
    secretsEnv: {
      ...(env.SECRETS_KEY !== undefined ? { SECRETS_KEY: env.SECRETS_KEY } : {}),
      ...(env.SECRETS_KEY_PREVIOUS !== undefined ? { SECRETS_KEY_PREVIOUS: env.SECRETS_KEY_PREVIOUS } : {}),
    },
    adminTokenEnv: env.ADMIN_TOKEN !== undefined ? { ADMIN_TOKEN: env.ADMIN_TOKEN } : {},
    ...(credentials
      ? {
          twilio: {
            credentials,
            ...(env.TWILIO_BASE_URL ? { baseUrl: env.TWILIO_BASE_URL } : {}),
            ...(env.TWILIO_VERIFY_SERVICE_SID ? { verifyServiceSid: env.TWILIO_VERIFY_SERVICE_SID } : {}),
            ...(env.TWILIO_SENDER ? { sender: env.TWILIO_SENDER } : {}),
          },
        }
      : {}),
    ...(defaultRegion ? { defaultRegion } : {}),
    emulator: { mode: env.EMULATOR === 'off' ? 'off' : 'auto', port: emulatorPort },
    botAuth,
    trustProxy,
    turnBudgetMs,
    turnRecheckMs,
    conversationRetentionHours,
    healthCacheSeconds,
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
