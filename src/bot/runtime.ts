/**
 * The bot's side of the dialog engine's runtime hook (docs/DIALOGS.md, "Runtime hook"), over the integration action
 * and the store: credentials become a gateway (cached briefly per credential fingerprint, so a busy conversation
 * does not rebuild the SDK client on every service node), user-authorized profiles get one-time links, and
 * rejections and verification events reach the action's state and the audit log.
 */
import { createHash } from 'node:crypto';
import { DeliveryModes, MessageFactory, TurnContext } from 'botbuilder';
import { AUTH_LINK_TTL_MS, AuthLinks, type IntegrationAction } from '../auth';
import { PUBLIC_CONFIG_FIELDS } from '../definition';
import type { ActionRuntime, AuditRecord, DialogLogger, GatewayResolution, UserRef } from '../dialogs';
import { noLogger } from '../dialogs';
import { isMessageStatus, type MessageLedger, type MessageSender } from '../delivery';
import { isRecord } from '../json';
import type { Store } from '../store';
import { isLocalOtpOperation, LocalVerifier, MessageTemplatesOtp, OTP_KEY_LABEL, runsLocally } from '../otp';
import {
  createTwilioClient,
  reconcileLocalStartsWith,
  runOperation,
  TwilioActionError,
  type GatewayOptions,
  type TwilioCredentials,
  type TwilioGateway,
} from '../twilio';
import { REPLIES_NOT_KEPT, turnAuditOf } from './turns';

export interface IntegrationRuntimeOptions {
  action: IntegrationAction;
  store: Store;
  /** Where users reach this server, e.g. `http://127.0.0.1:3978`; a function when known only after `listen`. */
  publicBaseUrl: string | (() => string);
  /** Clock for link creation and expiry; injected in tests. */
  now?: () => Date;
  /** Options for every gateway (timeouts, retries, default region); the base URL comes from the authorization. */
  gatewayOptions?: Omit<GatewayOptions, 'baseUrl'>;
  /** How long a gateway is reused for the same credentials (default 60 s). */
  gatewayCacheMs?: number;
  /** How long the public configuration is reused (default 1 s): expressions read it many times per turn. */
  configCacheMs?: number;
  /** Monotonic milliseconds for the caches; default `performance.now`. */
  cacheNow?: () => number;
  /** Links shared with the auth link pages; built from `store` and `now` when omitted. */
  links?: AuthLinks;
  logger?: DialogLogger;
  /**
   * The URL of this server's `/twilio/status`, when Twilio can reach it (a public base URL, or the local emulator):
   * SMS sent with Auth Token credentials then ask for status callbacks, and are recorded in `messages`.
   */
  statusCallbackUrl?: () => string | undefined;
  /** Where sent messages and their delivery status are kept (with `statusCallbackUrl`). */
  messages?: MessageLedger;
}

const DEFAULT_GATEWAY_CACHE_MS = 60_000;
const DEFAULT_CONFIG_CACHE_MS = 1_000;
const MAX_CACHED_GATEWAYS = 500;

/** A one-way fingerprint of credentials, base URL and callback URL: the cache key, so no secret is ever a key. */
function fingerprint(credentials: TwilioCredentials, baseUrl: string | undefined, statusCallback: string | undefined): string {
  const where = [baseUrl ?? '', statusCallback ?? ''];
  const parts =
    credentials.kind === 'auth-token'
      ? [credentials.kind, credentials.accountSid, credentials.authToken, ...where]
      : [credentials.kind, credentials.accountSid, credentials.apiKeySid, credentials.apiKeySecret, ...where];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The text that carries an authorization link. */
export function authorizationMessage(url: string, ttlMs: number = AUTH_LINK_TTL_MS): string {
  const minutes = Math.round(ttlMs / 60_000);
  return (
    `To do that I need your Twilio credentials. Open this one-time link: ${url}\n` +
    'Enter your Twilio Account SID and Auth Token there (never here in the chat); then come back and say "done". ' +
    `The link expires in ${minutes} minutes.`
  );
}

/** {@link ActionRuntime} over the integration action and the store. */
export class IntegrationRuntime implements ActionRuntime {
  readonly links: AuthLinks;
  private readonly action: IntegrationAction;
  private readonly store: Store;
  private readonly publicBaseUrl: () => string;
  private readonly gatewayOptions: Omit<GatewayOptions, 'baseUrl'>;
  private readonly gatewayCacheMs: number;
  private readonly configCacheMs: number;
  private readonly cacheNow: () => number;
  private readonly logger: DialogLogger;
  private readonly gateways = new Map<string, { gateway: TwilioGateway; until: number }>();
  /** Whose credentials each gateway carries: the sender of the messages it sends. */
  private readonly senders = new WeakMap<TwilioGateway, MessageSender>();
  private readonly statusCallbackUrl: () => string | undefined;
  private readonly messages: MessageLedger | undefined;
  private config: { value: Record<string, unknown>; until: number } | undefined;
  /** Verification operations in the message-templates mode. */
  readonly otp: MessageTemplatesOtp;

  constructor(options: IntegrationRuntimeOptions) {
    this.action = options.action;
    this.store = options.store;
    const base = options.publicBaseUrl;
    this.publicBaseUrl = typeof base === 'string' ? () => base : base;
    this.gatewayOptions = options.gatewayOptions ?? {};
    this.gatewayCacheMs = options.gatewayCacheMs ?? DEFAULT_GATEWAY_CACHE_MS;
    this.configCacheMs = options.configCacheMs ?? DEFAULT_CONFIG_CACHE_MS;
    this.cacheNow = options.cacheNow ?? (() => performance.now());
    this.links = options.links ?? new AuthLinks({ store: options.store, ...(options.now ? { now: options.now } : {}) });
    this.logger = options.logger ?? noLogger;
    this.statusCallbackUrl = options.statusCallbackUrl ?? (() => undefined);
    this.messages = options.messages;
    const action = options.action;
    this.otp = new MessageTemplatesOtp(
      new LocalVerifier({ store: options.store, keys: () => action.derivedKeys(OTP_KEY_LABEL), ...(options.now ? { now: options.now } : {}) }),
    );
  }

  async resolveGateway(ref: UserRef): Promise<GatewayResolution> {
    const resolved = await this.action.resolveCredentials(ref);
    switch (resolved.kind) {
      case 'ready':
        break;
      case 'needs-user-authorization':
        return { kind: 'needs-user-authorization', profile: resolved.profile.name };
      case 'error':
        return { kind: 'error', code: resolved.code };
      case 'awaiting-check':
        // Users hear that Twilio cannot be reached, not that nothing is set up.
        return { kind: 'error', code: resolved.check.lastFailure?.code ?? 'awaiting_start_check' };
      default:
        return { kind: resolved.kind };
    }
    try {
      // Twilio signs status callbacks with the account's Auth Token: with an API key they could not be checked,
      // so none are asked for.
      const statusCallback = this.messages && resolved.credentials.kind === 'auth-token' ? this.statusCallbackUrl() : undefined;
      const gateway = this.gatewayFor(resolved.credentials, resolved.baseUrl, statusCallback);
      this.senders.set(gateway, resolved.authorization === 'pre-authorized' ? { kind: 'action' } : { kind: 'user', ...ref });
      return { kind: 'ready', gateway };
    } catch (err) {
      if (!(err instanceof TwilioActionError)) throw err;
      this.logger.warn('gateway unavailable', { code: err.code });
      return { kind: 'error', code: err.code };
    }
  }

  private gatewayFor(credentials: TwilioCredentials, baseUrl: string | undefined, statusCallback: string | undefined): TwilioGateway {
    const key = fingerprint(credentials, baseUrl, statusCallback);
    const now = this.cacheNow();
    const cached = this.gateways.get(key);
    if (cached && cached.until > now) return cached.gateway;
    const gateway = createTwilioClient(credentials, {
      ...this.gatewayOptions,
      ...(baseUrl ? { baseUrl } : {}),
      ...(statusCallback ? { statusCallback } : {}),
    });
    this.gateways.delete(key);
    if (this.gateways.size >= MAX_CACHED_GATEWAYS) {
      for (const [k, entry] of this.gateways) if (entry.until <= now) this.gateways.delete(k);
      const oldest = this.gateways.keys().next();
      if (this.gateways.size >= MAX_CACHED_GATEWAYS && oldest.done !== true) this.gateways.delete(oldest.value);
    }
    this.gateways.set(key, { gateway, until: now + this.gatewayCacheMs });
    // After a crash or a lost reply, the turn guard asks whether a message-templates start already texted its code.
    reconcileLocalStartsWith(gateway, async (gw, input, since) => this.otp.reconcileStart(gw, input, since, await this.publicConfig()));
    return gateway;
  }

  /**
   * Verification operations run on the action's own code store in the message-templates mode (their SMS go through
   * `sendSms`, so the message ledger follows their delivery); everything else goes to Twilio as is.
   */
  async runOperation(turn: TurnContext, call: { operation: string; gateway: TwilioGateway; input: Readonly<Record<string, unknown>> }): Promise<unknown> {
    if (!isLocalOtpOperation(call.operation)) return runOperation(call.gateway, call.operation, call.input);
    const config = await this.publicConfig();
    if (!runsLocally(call.operation, call.input, config)) return runOperation(call.gateway, call.operation, call.input);
    return this.otp.run(call.gateway, call.operation, call.input, config, async (sms) => {
      await this.afterService(turn, { operation: 'sendSms', gateway: call.gateway, result: sms }).catch((err: unknown) => {
        this.logger.error('recording a code SMS for delivery status failed', { problem: err instanceof Error ? err.message : String(err) });
      });
    });
  }

  async afterService(turn: TurnContext, call: { operation: string; gateway: TwilioGateway; result: unknown }): Promise<void> {
    const ledger = this.messages;
    const sender = this.senders.get(call.gateway);
    if (!ledger || sender === undefined || call.operation !== 'sendSms' || call.gateway.options.statusCallback === undefined) return;
    const { result } = call;
    if (!isRecord(result) || typeof result.sid !== 'string' || typeof result.to !== 'string' || !isMessageStatus(result.status)) return;
    await ledger.recordSent({
      sid: result.sid,
      accountSid: call.gateway.accountSid,
      to: result.to,
      status: result.status,
      sender,
      conversation: TurnContext.getConversationReference(turn.activity),
      proactive: turn.activity.deliveryMode !== DeliveryModes.ExpectReplies,
    });
  }

  async publicConfig(): Promise<Record<string, unknown>> {
    const now = this.cacheNow();
    if (this.config && this.config.until > now) return this.config.value;
    const { config } = await this.action.status();
    const value: Record<string, unknown> = {};
    for (const field of PUBLIC_CONFIG_FIELDS) if (config[field] !== undefined) value[field] = config[field];
    this.config = { value, until: now + this.configCacheMs };
    return value;
  }

  async requestUserAuthorization(turn: TurnContext, profile: string): Promise<void> {
    const activity = turn.activity;
    const channelId = activity.channelId;
    const userId = activity.from?.id ?? '';
    const { token } = await this.links.create({
      channelId,
      userId,
      profile,
      conversation: TurnContext.getConversationReference(activity),
    });
    const url = `${trimBase(this.publicBaseUrl())}/auth/${token}`;
    // The link is a bearer secret until used: it must not be kept for replaying to copies of this activity.
    turn.turnState.set(REPLIES_NOT_KEPT, true);
    await turn.sendActivity(MessageFactory.suggestedActions(['done'], authorizationMessage(url)));
    await this.audit(
      {
        actor: 'runtime',
        action: 'authlink.create',
        target: `${channelId}:${userId}`,
        outcome: 'ok',
        details: { profile },
      },
      turn,
    );
    this.logger.info('authorization link sent', { profile });
  }

  /**
   * A call was rejected with 20003: the action probes the same credentials (throttled per credentials) and acts
   * only when the probe is rejected too, so one stray 401 does not lock every user out.
   */
  async reportAuthFailure(ref: UserRef, code: number | string): Promise<void> {
    const { scope, probe } = await this.action.confirmRuntimeAuthFailure({ code, channelId: ref.channelId, userId: ref.userId });
    if (scope !== 'none') {
      this.gateways.clear();
      this.logger.warn('Twilio rejected stored credentials, and a probe confirmed it', { code, scope });
    } else {
      this.logger.warn('Twilio rejected a call, but the credentials were left as they are', { code, probe });
    }
  }

  /**
   * In a guarded turn the entry joins the commit of the turn's state (one disk flush, durable before the reply);
   * elsewhere it is written at once.
   */
  async audit(entry: AuditRecord, turn?: TurnContext): Promise<void> {
    const pending = turn === undefined ? undefined : turnAuditOf(turn);
    if (pending) pending.add(entry);
    else await this.store.appendAudit(entry);
  }
}
