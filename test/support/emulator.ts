/**
 * The local emulator for tests. {@link startHarness}: an emulator with a manual clock and the official SDK pointed at
 * it, checking every body the emulator answers against Twilio's OpenAPI response schemas (via the emulator's
 * `onResponse` hook). {@link EmulatorFixture}: an emulator on loopback with one Verify Service and a gateway, for
 * conversations that read the codes it "delivered".
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import twilio from 'twilio';
import { createEmulator, ManualClock, type EmulatorExchange, type EmulatorOptions, type TwilioEmulator } from '../../src/emulator';
import { LocalVerifier, MessageTemplatesOtp } from '../../src/otp';
import { openStore, type Store } from '../../src/store';
import { runOperation, type TwilioGateway } from '../../src/twilio';
import type { GatewayResolution } from '../../src/dialogs';
import { ACCOUNT_SID, AUTH_TOKEN, gatewayFor, TestRuntime } from './conversation';
import { declaresStatus, describeErrors, errorValidator, responseValidator } from './oai';

export interface Harness {
  emulator: TwilioEmulator;
  url: string;
  clock: ManualClock;
  client: twilio.Twilio;
  /** Every exchange, in order. */
  exchanges: EmulatorExchange[];
  /** Schema violations found so far (empty when all is well). */
  problems: string[];
  /** The last code delivered to `to`, read from the outbox. */
  lastCode(to: string): string;
  /** A raw request with the account's Basic auth (or the given header). */
  raw(method: string, path: string, form?: Record<string, string>, authorization?: string): Promise<{ status: number; headers: Headers; body: unknown }>;
  close(): Promise<void>;
}

/**
 * The code in a code message. Verify's, in any of the emulator's languages: the first group of 4 to 10 letters and
 * digits, with a digit, right after a colon (every language puts the code there; a PSD2 amount or a name never
 * follows one). An admin's message template (the message-templates mode) may put it anywhere: then the first
 * standalone group of 4 to 10 digits.
 */
export function codeInMessage(body: string): string | undefined {
  return (
    /[:：]\s*(?=[0-9A-Za-z]*\d)([0-9A-Za-z]{4,10})(?![0-9A-Za-z])/.exec(body)?.[1] ??
    /(?<![0-9A-Za-z.,])(\d{4,10})(?![0-9A-Za-z.,])/.exec(body)?.[1]
  );
}

/** Checks one exchange against the OAI spec; returns a problem sentence or undefined. */
export function conformanceProblem(x: EmulatorExchange): string | undefined {
  const where = `${x.method} ${x.path} -> ${x.status}`;
  if (x.path === '/emulator' || x.path.startsWith('/emulator/')) return undefined;
  if (x.injected && !x.headers['Content-Type']?.startsWith('application/json')) return undefined;
  if (x.status === 204) {
    if (x.body !== '') return `${where}: a 204 must have no body`;
    if (x.operation && !declaresStatus(x.operation.spec, x.operation.path, x.operation.method, 204)) {
      return `${where}: the spec does not declare 204 for this operation`;
    }
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(x.body);
  } catch {
    return `${where}: the body is not JSON`;
  }
  if (!x.headers['Content-Type']?.startsWith('application/json')) return `${where}: Content-Type is not JSON`;
  if (x.status >= 400) {
    const validate = errorValidator();
    if (!validate(body)) return `${where}: not Twilio's error shape:\n${describeErrors(validate.errors)}`;
    const { code, status, more_info: moreInfo } = body as { code: number; status: number; more_info: string };
    if (status !== x.status) return `${where}: error body says status ${status}`;
    if (!moreInfo.endsWith(`/${code}`)) return `${where}: more_info does not name code ${code}`;
    return undefined;
  }
  if (!x.operation) return `${where}: a success on a path with no operation`;
  const { spec, path, method } = x.operation;
  if (!declaresStatus(spec, path, method, x.status)) return `${where}: the spec does not declare ${x.status}`;
  const validate = responseValidator(spec, path, method, x.status);
  if (!validate(body)) return `${where}: does not match Twilio's schema for ${method.toUpperCase()} ${path}:\n${describeErrors(validate.errors)}`;
  return undefined;
}

export async function startHarness(options: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const clock = new ManualClock(new Date('2026-11-22T02:05:36Z'));
  const exchanges: EmulatorExchange[] = [];
  const problems: string[] = [];
  const emulator = createEmulator({
    clock,
    ...options,
    onResponse(x) {
      exchanges.push(x);
      const problem = conformanceProblem(x);
      if (problem) problems.push(problem);
      options.onResponse?.(x);
    },
  });
  const url = await emulator.listen();
  const client = twilio(emulator.accountSid, emulator.authToken);
  // twilio-node has no base-URL option: point both domains at the emulator, with no region/edge rewriting.
  client.region = undefined;
  client.edge = undefined;
  client.api.baseUrl = url;
  client.verify.baseUrl = url;
  const basic = `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`;
  return {
    emulator,
    url,
    clock,
    client,
    exchanges,
    problems,
    lastCode(to) {
      const entry = emulator
        .outbox()
        .filter((m) => m.to === to)
        .pop();
      const code = codeInMessage(entry?.body ?? '');
      assert.ok(code, `no verification code delivered to ${to}`);
      return code;
    },
    async raw(method, path, form, authorization = basic) {
      const headers: Record<string, string> = { Authorization: authorization };
      let body: string | undefined;
      if (form) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(form).toString();
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    },
    close: () => emulator.close(),
  };
}

/** Asserts that a promise rejects with Twilio's RestException carrying `code` and `status`. */
export async function rejectsWith(promise: Promise<unknown>, code: number, status: number, message?: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof twilio.RestException, `expected RestException, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    assert.equal(err.moreInfo, `https://www.twilio.com/docs/errors/${code}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

/** How codes are sent, as the admin configures it (`otpMode`). */
export type OtpModeUnderTest = 'verify' | 'messageTemplates';
/** Both modes, for tables that must pass in each. */
export const OTP_MODES_UNDER_TEST: readonly OtpModeUnderTest[] = ['verify', 'messageTemplates'];
/** The sender and message templates the message-templates mode uses in tests. */
export const TEST_SENDER = '+15005550006';
export const TEST_TEMPLATES = {
  register: 'Acme: use {{code}} to confirm your phone number. It expires in 10 minutes.',
  signIn: '{{code}} is your Acme sign-in code.',
  test: 'Acme test code: {{code}}',
} as const;

/** A {@link TestRuntime} whose verification operations run in the message-templates mode, like the bot's. */
export class TemplatesTestRuntime extends TestRuntime {
  readonly sent: unknown[] = [];
  constructor(
    resolution: GatewayResolution,
    config: Record<string, unknown>,
    readonly otp: MessageTemplatesOtp,
  ) {
    super(resolution, config);
  }

  async runOperation(_turn: TurnContext, call: { operation: string; gateway: TwilioGateway; input: Readonly<Record<string, unknown>> }): Promise<unknown> {
    return this.otp.run(call.gateway, call.operation, call.input, this.config, async (sms) => {
      this.sent.push(sms);
    });
  }
}

/** The local emulator on loopback with a manual clock and one Verify Service. */
export class EmulatorFixture {
  readonly clock = new ManualClock(new Date('2026-03-01T09:00:00Z'));
  private started: { emulator: TwilioEmulator; gateway: TwilioGateway; serviceSid: string } | undefined;
  private templates: { store: Store; otp: MessageTemplatesOtp } | undefined;

  /** `mode`: how `runtime()` and `op()` send codes (default: Twilio Verify). */
  constructor(readonly mode: OtpModeUnderTest = 'verify') {}

  async start(): Promise<void> {
    const emulator = createEmulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, clock: this.clock });
    const gateway = gatewayFor(await emulator.listen(0, '127.0.0.1'));
    const service = (await runOperation(gateway, 'createService', { friendlyName: 'Acme', skipSmsToLandlines: true })) as { sid: string };
    this.started = { emulator, gateway, serviceSid: service.sid };
    if (this.mode === 'messageTemplates') {
      const store = await openStore({ filename: ':memory:' });
      const key = randomBytes(32);
      const verifier = new LocalVerifier({ store, keys: () => [key], now: () => this.clock.now() });
      this.templates = { store, otp: new MessageTemplatesOtp(verifier) };
    }
  }

  async stop(): Promise<void> {
    await this.templates?.store.close();
    await this.started?.emulator.close();
  }

  /** The code store of the message-templates mode. */
  get otpStore(): Store {
    assert.ok(this.templates, 'only in the messageTemplates mode');
    return this.templates.store;
  }

  /** The configuration of this fixture's mode (plus `extra`). */
  config(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const base: Record<string, unknown> =
      this.mode === 'verify'
        ? { verifyServiceSid: this.serviceSid }
        : { otpMode: 'messageTemplates', sender: TEST_SENDER, messageTemplates: { ...TEST_TEMPLATES } };
    return { ...base, ...extra };
  }

  /**
   * Runs a verification operation as this mode's dialogs do (setup steps of a table): to Verify with the service,
   * or on the message-templates verifier.
   */
  op(operation: string, input: Record<string, unknown>): Promise<unknown> {
    if (this.templates === undefined) return runOperation(this.gateway, operation, { serviceSid: this.serviceSid, ...input });
    return this.templates.otp.run(this.gateway, operation, input, this.config());
  }

  private get running(): { emulator: TwilioEmulator; gateway: TwilioGateway; serviceSid: string } {
    assert.ok(this.started, 'EmulatorFixture.start() first');
    return this.started;
  }

  get emulator(): TwilioEmulator {
    return this.running.emulator;
  }

  get gateway(): TwilioGateway {
    return this.running.gateway;
  }

  get serviceSid(): string {
    return this.running.serviceSid;
  }

  /** The code in the last SMS/e-mail the emulator delivered to `to`. */
  lastCode(to: string): string {
    const message = this.emulator.outbox().filter((m) => m.to === to).at(-1);
    const code = codeInMessage(message?.body ?? '');
    assert.ok(code, `no code delivered to ${to}: ${JSON.stringify(this.emulator.outbox())}`);
    return code;
  }

  /** A wrong code for `to`: the right one with its last digit changed. */
  wrongCode(to: string): string {
    const code = this.lastCode(to);
    return `${code.slice(0, -1)}${code.endsWith('0') ? '1' : '0'}`;
  }

  deliveries(to: string): number {
    return this.emulator.outbox().filter((m) => m.to === to).length;
  }

  /** A runtime in this fixture's mode: Verify with the fixture's service, or message templates over a code store. */
  runtime(config: Record<string, unknown> = {}): TestRuntime {
    const resolution: GatewayResolution = { kind: 'ready', gateway: this.gateway };
    if (this.templates === undefined) return new TestRuntime(resolution, { verifyServiceSid: this.serviceSid, ...config });
    return new TemplatesTestRuntime(resolution, this.config(config), this.templates.otp);
  }
}
