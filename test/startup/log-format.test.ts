/**
 * The process log: pretty, one short line per event on a terminal; JSON lines when not a terminal or when
 * LOG_FORMAT=json; one line per dialogs reload.
 */
import assert from 'node:assert/strict';
import { createLogger, logFormatOf, prettyLine } from '../../src/startup/logger';
import { startWorld, type World } from '../support/world';

function sink(isTTY: boolean): { lines: string[]; write(text: string): void; isTTY: boolean } {
  const lines: string[] = [];
  return { lines, isTTY, write: (text: string) => void lines.push(text) };
}

describe('process log format', () => {
  it('is pretty on a terminal and JSON elsewhere; LOG_FORMAT decides when set', () => {
    assert.equal(logFormatOf({}, { write: () => undefined, isTTY: true }), 'pretty');
    assert.equal(logFormatOf({}, { write: () => undefined, isTTY: false }), 'json');
    assert.equal(logFormatOf({}, { write: () => undefined }), 'json');
    assert.equal(logFormatOf({ LOG_FORMAT: 'json' }, { write: () => undefined, isTTY: true }), 'json');
    assert.equal(logFormatOf({ LOG_FORMAT: 'pretty' }, { write: () => undefined, isTTY: false }), 'pretty');
    assert.throws(() => logFormatOf({ LOG_FORMAT: 'yaml' }, { write: () => undefined }), /LOG_FORMAT must be json or pretty, got "yaml"/);
  });

  it('writes one short readable line per event on a terminal, secrets still redacted', () => {
    const terminal = sink(true);
    const logger = createLogger('info', { destination: terminal, env: {} });
    logger.info({ dialogs: ['send-sms', 'start-verification'] }, 'dialogs reloaded');
    logger.warn({ authToken: 'abcdef0123456789abcdef0123456789', operation: 'sendSms' }, 'Twilio refused');
    logger.debug('not shown at info');
    assert.equal(terminal.lines.length, 2);
    assert.match(terminal.lines[0] ?? '', /^\d\d:\d\d:\d\d INFO {2}dialogs reloaded dialogs=send-sms,start-verification\n$/);
    assert.match(terminal.lines[1] ?? '', /^\d\d:\d\d:\d\d WARN {2}Twilio refused authToken=\[redacted\] operation=sendSms\n$/);
    for (const line of terminal.lines) assert.doesNotMatch(line, /[{}]|"pid"|hostname/);
  });

  it('writes JSON lines when not on a terminal, or on one with LOG_FORMAT=json', () => {
    for (const [destination, env] of [
      [sink(false), {}],
      [sink(true), { LOG_FORMAT: 'json' }],
    ] as const) {
      createLogger('info', { destination, env }).info({ token: 'secret-value' }, 'hello');
      const entry = JSON.parse(destination.lines[0] ?? '') as Record<string, unknown>;
      assert.equal(entry['msg'], 'hello');
      assert.equal(entry['token'], '[redacted]');
    }
  });

  it('passes a line that is not JSON through unchanged', () => {
    assert.equal(prettyLine('plain\n'), 'plain\n');
  });
});

describe('process log: a dialogs reload', function () {
  this.timeout(30_000);
  let world: World | undefined;
  after(async () => world?.close());

  it('is one line, not "dialogs loaded" and "dialogs reloaded"', async () => {
    world = await startWorld({ dialogs: 'empty' });
    const seen = world.logLines.length;
    const installed = await world.admin('POST', '/api/admin/templates/verify-phone-number/install');
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    await world.waitForLog(/"dialogs reloaded"/);
    const after = world.logLines.slice(seen);
    assert.equal(after.filter((line) => /"dialogs (re)?loaded"/.test(line)).length >= 1, true);
    assert.deepEqual(after.filter((line) => line.includes('"dialogs loaded"')), []);
  });
});
