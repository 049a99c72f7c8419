/**
 * The whole OTP flow in one dialog, against the real local emulator with a manual clock: wrong code then right,
 * expiry, 60202, 60203, resend of the same code, change number; and that no code reaches a log or the audit.
 */
import assert from 'node:assert/strict';
import { createEmulator, ManualClock, type TwilioEmulator } from '../../src/emulator';
import { validateDialogTask, type DialogTask } from '../../src/dialogs';
import { OPERATION_NAMES, runOperation, type TwilioGateway } from '../../src/twilio';
import { TaskChat, gatewayFor, play, RecordingLogger, TestRuntime } from '../support/conversation';

const PHONE = '+14155550123';
const OTHER_PHONE = '+14155550199';
const ASK_NUMBER = 'Which phone number should I verify?';
const ASK_CODE = /^I sent a code to …0123\. What is it\?$/;
const VERIFIED = 'Your phone number +14155550123 is verified.';

function verifyPhoneTask(): DialogTask {
  return {
    id: 'verify-phone-number',
    name: 'Verify Phone Number',
    description: 'Sends a one-time code and checks it.',
    start: 'intent',
    nodes: [
      { id: 'intent', type: 'intent', utterances: ['verify my phone number'], next: 'receiver' },
      { id: 'receiver', type: 'entity', entity: 'receiver', entityType: 'phone', prompt: ASK_NUMBER, next: 'start' },
      {
        id: 'start',
        type: 'service',
        operation: 'startVerification',
        input: { serviceSid: 'config.verifyServiceSid', to: 'entities.receiver', channel: '"sms"' },
        resultAs: 'verification',
        transitions: [{ if: 'error.code == 60203', then: 'tooManySends' }],
        next: 'code',
      },
      {
        id: 'code',
        type: 'entity',
        entity: 'code',
        entityType: 'digits',
        minLength: 4,
        maxLength: 10,
        prompt: 'I sent a code to {{mask(entities.receiver)}}. What is it?',
        suggestions: ['resend', 'change number'],
        commands: [
          { utterances: ['resend', "I didn't get it"], then: 'start' },
          { utterances: ['change number'], then: 'receiver' },
        ],
        next: 'check',
      },
      {
        id: 'check',
        type: 'service',
        operation: 'checkVerification',
        input: { serviceSid: 'config.verifyServiceSid', to: 'entities.receiver', code: 'entities.code' },
        transitions: [
          { if: 'result.status == "approved"', then: 'remember' },
          { if: 'result.valid == false', then: 'wrongCode' },
          { if: 'error.code == 60202', then: 'tooManyChecks' },
          { if: 'error.code == 20404', then: 'expired' },
        ],
        next: 'wrongCode',
      },
      { id: 'wrongCode', type: 'message', text: "That code isn't right. Try again.", next: 'code' },
      { id: 'expired', type: 'message', text: 'That code has expired, so I am sending a new one.', next: 'start' },
      {
        id: 'tooManyChecks',
        type: 'message',
        text: 'Too many wrong codes. Wait 10 minutes, then start again.',
        status: 'failed',
      },
      {
        id: 'tooManySends',
        type: 'message',
        text: 'Too many codes were sent to {{mask(entities.receiver)}}. Try again in {{minutes(error.retryAfterSeconds) || 10}} minutes.',
        status: 'failed',
      },
      { id: 'remember', type: 'logic', set: { 'user.verifiedPhone': 'entities.receiver', 'user.verifiedAt': 'now()' }, next: 'verified' },
      { id: 'verified', type: 'message', text: 'Your phone number {{user.verifiedPhone}} is verified.' },
    ],
  };
}

describe('dialog engine: the OTP flow against the emulator', () => {
  let emulator: TwilioEmulator;
  let clock: ManualClock;
  let gateway: TwilioGateway;
  let serviceSid: string;

  beforeEach(async () => {
    clock = new ManualClock(new Date('2026-01-01T10:00:00Z'));
    emulator = createEmulator({ clock });
    const url = await emulator.listen(0);
    gateway = gatewayFor(url, emulator.accountSid, emulator.authToken);
    const service = (await runOperation(gateway, 'createService', { friendlyName: 'Dialog tests' })) as { sid: string };
    serviceSid = service.sid;
  });

  afterEach(async () => {
    await emulator.close();
  });

  function codesSentTo(to: string): string[] {
    return emulator
      .outbox()
      .filter((m) => m.to === to)
      .map((m) => /(\d{4,10})/.exec(m.body)?.[1] ?? '?');
  }

  function lastCode(to = PHONE): string {
    return codesSentTo(to).at(-1) ?? 'no code';
  }

  function wrong(code: string): string {
    return code === '000000' ? '111111' : '000000';
  }

  function newChat(logger?: RecordingLogger): { chat: TaskChat; runtime: TestRuntime } {
    const runtime = new TestRuntime({ kind: 'ready', gateway }, { verifyServiceSid: serviceSid });
    return { chat: new TaskChat({ tasks: [verifyPhoneTask()], runtime, clock, ...(logger ? { logger } : {}) }), runtime };
  }

  it('is a valid dialog task', () => {
    const result = validateDialogTask(verifyPhoneTask(), { operations: OPERATION_NAMES, configFields: ['verifyServiceSid', 'sender'] });
    assert.deepStrictEqual(result.ok ? [] : result.problems, []);
  });

  it('rejects a wrong code, accepts the right one, keeps the verified number in user state and audits without codes', async () => {
    const logger = new RecordingLogger();
    const { chat, runtime } = newChat(logger);
    await play(chat, {
      title: 'start',
      turns: [
        ['verify my phone number', [ASK_NUMBER]],
        ['+1 415 555 0123', [ASK_CODE]],
      ],
      status: 'waiting',
    });
    const code = lastCode();
    await play(chat, {
      title: 'check',
      turns: [
        [wrong(code), ["That code isn't right. Try again.", ASK_CODE]],
        [code, [VERIFIED]],
      ],
      status: 'completed',
    });
    assert.deepStrictEqual(await chat.user(), { verifiedPhone: PHONE, verifiedAt: '2026-01-01T10:00:00.000Z' });
    const verification = chat.results[0]?.context['verification'];
    assert.equal(typeof verification === 'object' && verification !== null && 'status' in verification ? verification.status : undefined, 'pending', 'resultAs copies the start result to context');
    assert.deepStrictEqual(
      runtime.audits.map((a) => [a.action, a.outcome, a.target]),
      [
        ['verification.start', 'pending', '…0123'],
        ['verification.check', 'wrong-code', '…0123'],
        ['verification.check', 'approved', '…0123'],
      ],
    );
    const everything = JSON.stringify(runtime.audits) + logger.lines.join('\n');
    assert.ok(!everything.includes(code), 'the right code reached a log or the audit');
    assert.ok(!everything.includes(wrong(code)), 'the wrong code reached a log or the audit');
    assert.ok(logger.lines.length > 5, 'the engine logs its steps');
  });

  it('never hands the logger a 6-digit code the user typed, however it is typed', async () => {
    const logger = new RecordingLogger();
    const { chat } = newChat(logger);
    await chat.send('verify my phone number');
    await chat.send(PHONE);
    const code = lastCode();
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    await chat.send('123-456');
    await chat.send(spaced);
    assert.equal(chat.status, 'completed');
    const lines = logger.lines.join('\n');
    for (const secret of [code, spaced, '123456', '123-456']) assert.ok(!lines.includes(secret), `"${secret}" was logged`);
    assert.match(lines, /\*\*\*/);
  });

  it('resends the same code while it is valid ("resend", "I didn\'t get it")', async () => {
    const { chat } = newChat();
    await play(chat, {
      title: 'resend',
      turns: [
        ['verify my phone number', [ASK_NUMBER]],
        [PHONE, [ASK_CODE]],
        ['resend', [ASK_CODE]],
        ["I didn't get it", [ASK_CODE]],
      ],
      status: 'waiting',
    });
    const codes = codesSentTo(PHONE);
    assert.equal(codes.length, 3);
    assert.equal(new Set(codes).size, 1, `expected the same code three times, got ${codes.join(', ')}`);
    await play(chat, { title: 'check', turns: [[lastCode(), [VERIFIED]]], status: 'completed' });
  });

  it('sends a new code when the old one expired after 10 minutes', async () => {
    const { chat } = newChat();
    await play(chat, {
      title: 'expire',
      turns: [
        ['verify my phone number', [ASK_NUMBER]],
        [PHONE, [ASK_CODE]],
      ],
      status: 'waiting',
    });
    const first = lastCode();
    clock.advance(601);
    await play(chat, {
      title: 'expired',
      turns: [[first, ['That code has expired, so I am sending a new one.', ASK_CODE]]],
      status: 'waiting',
    });
    assert.equal(codesSentTo(PHONE).length, 2);
    await play(chat, { title: 'new code', turns: [[lastCode(), [VERIFIED]]], status: 'completed' });
  });

  it('stops after too many wrong codes (60202)', async () => {
    const { chat, runtime } = newChat();
    await chat.send('verify my phone number');
    await chat.send(PHONE);
    const bad = wrong(lastCode());
    const turns: [string, (string | RegExp)[]][] = [];
    for (let i = 0; i < 5; i += 1) turns.push([bad, ["That code isn't right. Try again.", ASK_CODE]]);
    turns.push([bad, ['Too many wrong codes. Wait 10 minutes, then start again.']]);
    await play(chat, { title: '60202', turns, status: 'failed' });
    assert.equal(runtime.audits.at(-1)?.outcome, 'error:60202');
  });

  it('stops after too many sends to one number (60203) and says when to try again', async () => {
    const { chat } = newChat();
    const turns: [string, (string | RegExp)[]][] = [
      ['verify my phone number', [ASK_NUMBER]],
      [PHONE, [ASK_CODE]],
    ];
    for (let i = 0; i < 4; i += 1) turns.push(['resend', [ASK_CODE]]);
    turns.push(['resend', [/^Too many codes were sent to …0123\. Try again in \d+ minutes\.$/]]);
    await play(chat, { title: '60203', turns, status: 'failed' });
    assert.equal(codesSentTo(PHONE).length, 5);
  });

  it('lets the user change the number before entering a code', async () => {
    const { chat } = newChat();
    await play(chat, {
      title: 'change number',
      turns: [
        ['verify my phone number', [ASK_NUMBER]],
        [OTHER_PHONE, [/^I sent a code to …0199/]],
        ['change number', [ASK_NUMBER]],
        [PHONE, [ASK_CODE]],
      ],
      status: 'waiting',
    });
    await play(chat, { title: 'check', turns: [[lastCode(PHONE), [VERIFIED]]], status: 'completed' });
  });

  it('continues the OTP flow after a restart with the code typed into the new instance', async () => {
    const first = newChat();
    await first.chat.send('verify my phone number');
    await first.chat.send(PHONE);
    const second = new TaskChat({
      tasks: [verifyPhoneTask()],
      runtime: new TestRuntime({ kind: 'ready', gateway }, { verifyServiceSid: serviceSid }),
      storage: first.chat.storage,
      clock,
    });
    await play(second, { title: 'after restart', turns: [[lastCode(), [VERIFIED]]], status: 'completed' });
  });
});
