/**
 * Verify v2: Services (CRUD), Verifications (create, fetch, update) and VerificationCheck, with Twilio's documented
 * behaviour: a code valid 10 minutes and re-sent unchanged while valid, 5 check attempts (60202), 5 sends per To in
 * 10 minutes (60203), approved / expired / max-attempts verifications soft-deleted (20404), canceled ones fetchable.
 * The code message's language follows the `Locale` or the number's country (./locales.ts); on a PSD2 service the
 * amount and payee are part of both the start and the check.
 */
import { invalidParameter, notFound, TwilioError } from './errors';
import { E164, EMAIL, isSid, isoDate, newCode, newSid } from './format';
import { codeMessage, messageLanguage, type MessageLanguage } from './locales';
import { unverified, verifyMagicError } from './magic';
import { reachableFromTrial } from './messages';
import { boolParam, intParam, param, paging, type Handler, type TwilioRequest } from './request';
import { listedVerifyLocale } from '../twilio';
import type { EmulatorState, ServiceRecord, VerificationChannel, VerificationRecord } from './state';

/** 60206, as Twilio answers a PSD2 service's start or check without both Amount and Payee (HTTP 400). */
function psd2ParamsRequired(): TwilioError {
  return new TwilioError(400, 60206, "'Amount' & 'Payee' params are required");
}

/** Seconds a code stays valid. */
export const CODE_VALIDITY_SECONDS = 600;
/** Wrong checks allowed; the next check answers 60202. */
export const MAX_CHECK_ATTEMPTS = 5;
/** Sends allowed per service and To within `SEND_WINDOW_SECONDS`; the next answers 60203. */
export const MAX_SENDS = 5;
export const SEND_WINDOW_SECONDS = 600;

const CHANNELS: readonly VerificationChannel[] = ['sms', 'call', 'email', 'whatsapp'];

type ServiceSetter = (s: ServiceRecord, form: URLSearchParams) => void;

const setBool =
  (name: string, apply: (s: ServiceRecord, v: boolean) => void): ServiceSetter =>
  (s, form) => {
    const v = boolParam(form, name, invalidParameter);
    if (v !== undefined) apply(s, v);
  };

const setInt =
  (name: string, min: number, max: number, apply: (s: ServiceRecord, v: number) => void): ServiceSetter =>
  (s, form) => {
    const v = intParam(form, name, min, max, invalidParameter);
    if (v !== undefined) apply(s, v);
  };

const setString =
  (name: string, valid: (v: string) => boolean, apply: (s: ServiceRecord, v: string) => void): ServiceSetter =>
  (s, form) => {
    const v = param(form, name);
    if (v === undefined) return;
    if (!valid(v)) throw invalidParameter(name);
    apply(s, v);
  };

const anyText = (v: string): boolean => v.length <= 255;
const sidOf = (prefix: string) => (v: string) => isSid(v, prefix);

/** Twilio: up to 30 characters, no more than 4 digits (so a phone number cannot hide in it). */
function validFriendlyName(v: string): boolean {
  const trimmed = v.trim();
  return trimmed.length > 0 && trimmed.length <= 30 && (trimmed.match(/\d/g) ?? []).length <= 4;
}

/** Every updatable Service parameter, as the OAI request schema names it. */
const SERVICE_PARAMS: readonly ServiceSetter[] = [
  setString('FriendlyName', validFriendlyName, (s, v) => (s.friendlyName = v.trim())),
  setInt('CodeLength', 4, 10, (s, v) => (s.codeLength = v)),
  setBool('LookupEnabled', (s, v) => (s.lookupEnabled = v)),
  setBool('SkipSmsToLandlines', (s, v) => (s.skipSmsToLandlines = v)),
  setBool('DtmfInputRequired', (s, v) => (s.dtmfInputRequired = v)),
  setString('TtsName', anyText, (s, v) => (s.ttsName = v)),
  setBool('Psd2Enabled', (s, v) => (s.psd2Enabled = v)),
  setBool('DoNotShareWarningEnabled', (s, v) => (s.doNotShareWarningEnabled = v)),
  setBool('CustomCodeEnabled', (s, v) => (s.customCodeEnabled = v)),
  setBool('Push.IncludeDate', (s, v) => (s.push.include_date = v)),
  setString('Push.ApnCredentialSid', sidOf('CR'), (s, v) => (s.push.apn_credential_sid = v)),
  setString('Push.FcmCredentialSid', sidOf('CR'), (s, v) => (s.push.fcm_credential_sid = v)),
  setString('Totp.Issuer', anyText, (s, v) => (s.totp.issuer = v)),
  setInt('Totp.TimeStep', 20, 60, (s, v) => (s.totp.time_step = v)),
  setInt('Totp.CodeLength', 3, 8, (s, v) => (s.totp.code_length = v)),
  setInt('Totp.Skew', 0, 2, (s, v) => (s.totp.skew = v)),
  setString('DefaultTemplateSid', sidOf('HJ'), (s, v) => (s.defaultTemplateSid = v)),
  setString('Whatsapp.MsgServiceSid', sidOf('MG'), (s, v) => (s.whatsapp.msg_service_sid = v)),
  setString('Whatsapp.From', (v) => E164.test(v.replace(/^whatsapp:/, '')), (s, v) => (s.whatsapp.from = v)),
  setString('Passkeys.RelyingParty.Id', anyText, (s, v) => (s.passkeys.relying_party.id = v)),
  setString('Passkeys.RelyingParty.Name', anyText, (s, v) => (s.passkeys.relying_party.name = v)),
  (s, form) => {
    const origins = form.getAll('Passkeys.RelyingParty.Origins');
    if (origins.length > 0) s.passkeys.relying_party.origins = origins;
  },
  setString('Passkeys.AuthenticatorAttachment', anyText, (s, v) => (s.passkeys.authenticator_attachment = v)),
  setString('Passkeys.DiscoverableCredentials', anyText, (s, v) => (s.passkeys.discoverable_credentials = v)),
  setString('Passkeys.UserVerification', anyText, (s, v) => (s.passkeys.user_verification = v)),
  setBool('VerifyEventSubscriptionEnabled', (s, v) => (s.verifyEventSubscriptionEnabled = v)),
];

function serviceUrl(baseUrl: string, sid: string): string {
  return `${baseUrl}/v2/Services/${sid}`;
}

function serviceJson(state: EmulatorState, s: ServiceRecord, baseUrl: string): Record<string, unknown> {
  const url = serviceUrl(baseUrl, s.sid);
  return {
    sid: s.sid,
    account_sid: state.account.sid,
    friendly_name: s.friendlyName,
    code_length: s.codeLength,
    lookup_enabled: s.lookupEnabled,
    psd2_enabled: s.psd2Enabled,
    skip_sms_to_landlines: s.skipSmsToLandlines,
    dtmf_input_required: s.dtmfInputRequired,
    tts_name: s.ttsName,
    do_not_share_warning_enabled: s.doNotShareWarningEnabled,
    custom_code_enabled: s.customCodeEnabled,
    push: { ...s.push },
    totp: { ...s.totp },
    default_template_sid: s.defaultTemplateSid,
    whatsapp: { ...s.whatsapp },
    passkeys: { ...s.passkeys, relying_party: { ...s.passkeys.relying_party } },
    verify_event_subscription_enabled: s.verifyEventSubscriptionEnabled,
    date_created: isoDate(s.dateCreated),
    date_updated: isoDate(s.dateUpdated),
    url,
    links: {
      verification_checks: `${url}/VerificationCheck`,
      verifications: `${url}/Verifications`,
      rate_limits: `${url}/RateLimits`,
      messaging_configurations: `${url}/MessagingConfigurations`,
      entities: `${url}/Entities`,
      webhooks: `${url}/Webhooks`,
      access_tokens: `${url}/AccessTokens`,
    },
  };
}

function findService(state: EmulatorState, sid: string | undefined, path: string): ServiceRecord {
  const service = sid === undefined ? undefined : state.services.get(sid);
  if (!service) throw notFound(path);
  return service;
}

/** POST /v2/Services */
export const createService: Handler = (state, req) => {
  if (!param(req.form, 'FriendlyName')) throw invalidParameter('FriendlyName');
  const service: ServiceRecord = {
    sid: newSid('VA'),
    friendlyName: '',
    codeLength: 6,
    lookupEnabled: false,
    psd2Enabled: false,
    skipSmsToLandlines: false,
    dtmfInputRequired: true,
    ttsName: null,
    doNotShareWarningEnabled: false,
    customCodeEnabled: false,
    push: { include_date: false, apn_credential_sid: null, fcm_credential_sid: null },
    totp: { issuer: null, time_step: 30, code_length: 6, skew: 1 },
    defaultTemplateSid: null,
    whatsapp: { msg_service_sid: null, from: null },
    passkeys: {
      relying_party: { id: null, name: null, origins: null },
      authenticator_attachment: null,
      discoverable_credentials: null,
      user_verification: null,
    },
    verifyEventSubscriptionEnabled: false,
    dateCreated: req.now,
    dateUpdated: req.now,
  };
  for (const apply of SERVICE_PARAMS) apply(service, req.form);
  state.services.set(service.sid, service);
  return { status: 201, body: serviceJson(state, service, req.baseUrl) };
};

/** GET /v2/Services/{Sid} */
export const fetchService: Handler = (state, req) => ({
  status: 200,
  body: serviceJson(state, findService(state, req.params['Sid'], req.path), req.baseUrl),
});

/** POST /v2/Services/{Sid}: validates every parameter before changing anything. */
export const updateService: Handler = (state, req) => {
  const service = findService(state, req.params['Sid'], req.path);
  const draft: ServiceRecord = structuredClone(service);
  for (const apply of SERVICE_PARAMS) apply(draft, req.form);
  draft.dateUpdated = req.now;
  state.services.set(draft.sid, draft);
  return { status: 200, body: serviceJson(state, draft, req.baseUrl) };
};

/** DELETE /v2/Services/{Sid}: its verifications go with it. */
export const deleteService: Handler = (state, req) => {
  const service = findService(state, req.params['Sid'], req.path);
  state.services.delete(service.sid);
  for (const [sid, v] of state.verifications) if (v.serviceSid === service.sid) state.verifications.delete(sid);
  recipientIndexes.delete(state);
  for (const key of state.sends.keys()) if (key.startsWith(`${service.sid}|`)) state.sends.delete(key);
  return { status: 204 };
};

/** GET /v2/Services: oldest first, Verify paging (`meta`). */
export const listServices: Handler = (state, req) => {
  const { page, pageSize } = paging(req.query);
  const all = [...state.services.values()];
  const start = page * pageSize;
  const items = all.slice(start, start + pageSize);
  const pageUrl = (n: number): string =>
    `${req.baseUrl}/v2/Services?${new URLSearchParams({ PageSize: String(pageSize), Page: String(n) }).toString()}`;
  return {
    status: 200,
    body: {
      services: items.map((s) => serviceJson(state, s, req.baseUrl)),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: page > 0 ? pageUrl(page - 1) : null,
        url: pageUrl(page),
        next_page_url: start + pageSize < all.length ? pageUrl(page + 1) : null,
        key: 'services',
      },
    },
  };
};

/** Applies expiry lazily: a pending verification past its 10 minutes becomes expired and soft-deleted. */
function refresh(v: VerificationRecord, now: Date): VerificationRecord {
  if (now.getTime() >= v.expiresAt.getTime() && !v.deleted && v.status === 'pending') {
    v.status = 'expired';
    v.deleted = true;
  }
  if (now.getTime() >= v.expiresAt.getTime()) v.owesMaxAttemptsError = false;
  return v;
}

function verificationJson(state: EmulatorState, v: VerificationRecord, baseUrl: string): Record<string, unknown> {
  return {
    sid: v.sid,
    service_sid: v.serviceSid,
    account_sid: state.account.sid,
    to: v.to,
    channel: v.channel,
    status: v.status,
    valid: v.status === 'approved',
    lookup: {},
    amount: v.amount,
    payee: v.payee,
    send_code_attempts: v.attempts.map((a) => ({ ...a })),
    date_created: isoDate(v.dateCreated),
    date_updated: isoDate(v.dateUpdated),
    sna: null,
    url: `${serviceUrl(baseUrl, v.serviceSid)}/Verifications/${v.sid}`,
  };
}

/** The verification a new send or a check by To applies to: the live pending one for this service and To. */
/**
 * The verifications of each service and To, in creation order: a start or check looks only at its own instead of
 * every verification the emulator ever made (a zero-config server runs for days). Kept beside `state.verifications`,
 * rebuilt whenever the two disagree in size.
 */
interface RecipientIndex {
  size: number;
  lists: Map<string, VerificationRecord[]>;
}
const recipientIndexes = new WeakMap<EmulatorState, RecipientIndex>();
const recipientKey = (serviceSid: string, to: string) => `${serviceSid}|${to}`;

function recipientIndex(state: EmulatorState): RecipientIndex {
  const known = recipientIndexes.get(state);
  if (known && known.size === state.verifications.size) return known;
  const index: RecipientIndex = { size: 0, lists: new Map() };
  for (const v of state.verifications.values()) addToIndex(index, v);
  recipientIndexes.set(state, index);
  return index;
}

function addToIndex(index: RecipientIndex, v: VerificationRecord): void {
  const key = recipientKey(v.serviceSid, v.to);
  const list = index.lists.get(key);
  if (list) list.push(v);
  else index.lists.set(key, [v]);
  index.size += 1;
}

function pendingFor(state: EmulatorState, serviceSid: string, to: string, now: Date): VerificationRecord | undefined {
  for (const v of recipientIndex(state).lists.get(recipientKey(serviceSid, to)) ?? []) {
    refresh(v, now);
    if ((!v.deleted && v.status === 'pending') || v.owesMaxAttemptsError) return v;
  }
  return undefined;
}

/** Twilio's channel name in `send_code_attempts` (`SMS`, `CALL`, `EMAIL`, but `whatsapp`, as in its examples). */
function attemptChannel(channel: VerificationChannel): string {
  return channel === 'whatsapp' ? channel : channel.toUpperCase();
}

function deliverCode(
  state: EmulatorState,
  service: ServiceRecord,
  v: VerificationRecord,
  attemptSid: string,
  name: string,
  language: MessageLanguage,
): void {
  const body = codeMessage(language, {
    name,
    code: v.code,
    payment: v.amount !== null && v.payee !== null ? { amount: v.amount, payee: v.payee } : null,
    doNotShare: service.doNotShareWarningEnabled,
  });
  state.deliver({ sid: attemptSid, to: v.to, from: service.sid, channel: v.channel, body }, 'code');
}

/** POST /v2/Services/{ServiceSid}/Verifications: starts a verification, or re-sends the same code while it is valid. */
export const createVerification: Handler = (state, req) => {
  const service = findService(state, req.params['ServiceSid'], req.path);
  const to = param(req.form, 'To')?.trim() ?? '';
  const channelRaw = param(req.form, 'Channel')?.trim().toLowerCase() ?? '';
  if (to === '') throw invalidParameter('To');
  const channel = CHANNELS.find((c) => c === channelRaw);
  if (channel === undefined) throw invalidParameter('Channel');
  if (channel === 'email' ? !EMAIL.test(to) : !E164.test(to)) throw invalidParameter('To');
  const customCode = param(req.form, 'CustomCode');
  if (customCode !== undefined && (!service.customCodeEnabled || !/^[0-9A-Za-z]{4,10}$/.test(customCode))) {
    throw invalidParameter('CustomCode');
  }
  const customFriendlyName = param(req.form, 'CustomFriendlyName');
  if (customFriendlyName !== undefined && !validFriendlyName(customFriendlyName)) {
    throw invalidParameter('CustomFriendlyName');
  }
  const localeParam = param(req.form, 'Locale');
  if (localeParam !== undefined && !/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/.test(localeParam)) throw invalidParameter('Locale');
  // Twilio: "If an unsupported override locale is given, a 404 error will be returned" (supported-languages page).
  const locale = localeParam === undefined ? undefined : listedVerifyLocale(localeParam);
  if (localeParam !== undefined && locale === undefined) throw notFound(req.path);
  const amount = param(req.form, 'Amount')?.trim();
  const payee = param(req.form, 'Payee')?.trim();
  // PSD2 (dynamic linking): the amount and payee are part of what the user approves, so Twilio requires both.
  if (service.psd2Enabled && (!amount || !payee)) throw psd2ParamsRequired();
  const magic = verifyMagicError(to, channel, service.skipSmsToLandlines);
  if (magic) throw magic;
  if (channel !== 'email' && !reachableFromTrial(state, to)) throw unverified(to);

  const now = req.now.getTime();
  const sendKey = `${service.sid}|${to}`;
  const recent = (state.sends.get(sendKey) ?? []).filter((t) => now - t < SEND_WINDOW_SECONDS * 1000);
  state.sends.set(sendKey, recent);
  if (recent.length >= MAX_SENDS) throw new TwilioError(429, 60203, 'Max send attempts reached');

  const attempt = { attempt_sid: newSid('VL'), channel: attemptChannel(channel), time: isoDate(req.now) };
  let v = pendingFor(state, service.sid, to, req.now);
  if (v && !v.owesMaxAttemptsError) {
    v.channel = channel;
    // PSD2: "the code is unique to the To, Amount, and Payee combination", so another transaction gets another code.
    if (service.psd2Enabled && (v.amount !== (amount ?? null) || v.payee !== (payee ?? null))) {
      v.amount = amount ?? null;
      v.payee = payee ?? null;
      v.code = newCode(service.codeLength);
    }
    if (customCode !== undefined) v.code = customCode;
    v.attempts.push(attempt);
    v.dateUpdated = req.now;
  } else {
    if (v) v.owesMaxAttemptsError = false; // a fresh verification replaces the maxed-out one
    v = {
      sid: newSid('VE'),
      serviceSid: service.sid,
      to,
      channel,
      code: customCode ?? newCode(service.codeLength),
      status: 'pending',
      wrongChecks: 0,
      attempts: [attempt],
      amount: service.psd2Enabled ? (amount ?? null) : null,
      payee: service.psd2Enabled ? (payee ?? null) : null,
      dateCreated: req.now,
      dateUpdated: req.now,
      expiresAt: new Date(now + CODE_VALIDITY_SECONDS * 1000),
      deleted: false,
      owesMaxAttemptsError: false,
    };
    const index = recipientIndex(state);
    state.verifications.set(v.sid, v);
    addToIndex(index, v);
  }
  recent.push(now);
  const language = messageLanguage(locale, to, channel);
  deliverCode(state, service, v, attempt.attempt_sid, customFriendlyName ?? service.friendlyName, language);
  return { status: 201, body: verificationJson(state, v, req.baseUrl) };
};

function findVerification(state: EmulatorState, req: TwilioRequest): VerificationRecord {
  const service = findService(state, req.params['ServiceSid'], req.path);
  const v = state.verifications.get(req.params['Sid'] ?? '');
  if (!v || v.serviceSid !== service.sid || refresh(v, req.now).deleted) throw notFound(req.path);
  return v;
}

/** GET /v2/Services/{ServiceSid}/Verifications/{Sid}: canceled ones stay fetchable; soft-deleted ones are 20404. */
export const fetchVerification: Handler = (state, req) => ({
  status: 200,
  body: verificationJson(state, findVerification(state, req), req.baseUrl),
});

/** POST /v2/Services/{ServiceSid}/Verifications/{Sid} with Status=canceled|approved. */
export const updateVerification: Handler = (state, req) => {
  const v = findVerification(state, req);
  const status = param(req.form, 'Status');
  if (status !== 'canceled' && status !== 'approved') throw invalidParameter('Status');
  if (v.status !== 'pending') throw notFound(req.path);
  v.status = status;
  v.dateUpdated = req.now;
  if (status === 'approved') v.deleted = true;
  return { status: 200, body: verificationJson(state, v, req.baseUrl) };
};

/** POST /v2/Services/{ServiceSid}/VerificationCheck with Code and To or VerificationSid. */
export const checkVerification: Handler = (state, req) => {
  const service = findService(state, req.params['ServiceSid'], req.path);
  const code = param(req.form, 'Code')?.trim() ?? '';
  const to = param(req.form, 'To')?.trim();
  const verificationSid = param(req.form, 'VerificationSid')?.trim();
  if (to === undefined && verificationSid === undefined) throw invalidParameter('To');
  if (code === '' || !/^[0-9A-Za-z]{1,10}$/.test(code)) throw invalidParameter('Code');
  // PSD2: "requests to start and/or complete verifications require the Payee and Amount parameters"
  // (https://www.twilio.com/docs/verify/verifying-transactions-psd2). Without PSD2 they are ignored.
  const amount = service.psd2Enabled ? param(req.form, 'Amount')?.trim() : undefined;
  const payee = service.psd2Enabled ? param(req.form, 'Payee')?.trim() : undefined;
  if (service.psd2Enabled && (!amount || !payee)) throw psd2ParamsRequired();

  let v: VerificationRecord | undefined;
  if (verificationSid !== undefined) {
    const found = state.verifications.get(verificationSid);
    if (found && found.serviceSid === service.sid) {
      refresh(found, req.now);
      if ((!found.deleted && found.status === 'pending') || found.owesMaxAttemptsError) v = found;
    }
  } else if (to !== undefined) {
    v = pendingFor(state, service.sid, to, req.now);
  }
  if (!v) throw notFound(req.path);

  if (v.owesMaxAttemptsError) {
    v.owesMaxAttemptsError = false;
    throw new TwilioError(429, 60202, 'Max check attempts reached');
  }
  // A transaction other than the one the code was sent for fails like a wrong code ("verification fails in the
  // event of code interception or transaction mutations").
  const sameTransaction = !service.psd2Enabled || (amount === v.amount && payee === v.payee);
  if (code === v.code && sameTransaction) {
    v.status = 'approved';
    v.deleted = true;
  } else {
    v.wrongChecks += 1;
    if (v.wrongChecks >= MAX_CHECK_ATTEMPTS) {
      v.status = 'max_attempts_reached';
      v.deleted = true;
      v.owesMaxAttemptsError = true;
    }
  }
  v.dateUpdated = req.now;
  const approved = v.status === 'approved';
  return {
    status: 200,
    body: {
      sid: v.sid,
      service_sid: v.serviceSid,
      account_sid: state.account.sid,
      to: v.to,
      channel: v.channel,
      // A wrong code answers pending, even the 5th (the next check is the one that gets 60202).
      status: approved ? 'approved' : 'pending',
      valid: approved,
      amount: v.amount,
      payee: v.payee,
      sna_attempts_error_codes: [],
      date_created: isoDate(v.dateCreated),
      date_updated: isoDate(v.dateUpdated),
    },
  };
};
