/** loadConfig: every variable of `npm start` read once, typed, and one sentence per bad variable. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig, StartupError } from '../../src/startup';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 3978);
    assert.deepEqual(config.emulator, { mode: 'auto', port: 3979 });
    assert.equal(config.dataDir, './data');
    assert.equal(config.dialogsDir, path.resolve('./dialogs'));
    assert.equal(config.publicBaseUrl, '');
    assert.equal(config.turnBudgetMs, 10_000);
    assert.equal(config.turnRecheckMs, 30_000);
    assert.equal(config.conversationRetentionHours, 168);
    assert.equal(config.sqliteSynchronous, 'full');
    assert.equal(config.healthCacheSeconds, 15);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.twilio, undefined);
    assert.equal(config.defaultRegion, undefined);
    assert.deepEqual(config.botAuth, {});
  });

  it('reads real Twilio, the region, the public URL and the emulator switch', () => {
    const config = loadConfig({
      TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32),
      TWILIO_AUTH_TOKEN: 'b'.repeat(32),
      TWILIO_BASE_URL: 'http://127.0.0.1:3979',
      TWILIO_SENDER: '+15005550006',
      DEFAULT_REGION: 'gb',
      PUBLIC_BASE_URL: 'https://bot.example.com//',
      EMULATOR: 'off',
    });
    assert.deepEqual(config.twilio, {
      credentials: { kind: 'auth-token', accountSid: 'AC' + 'a'.repeat(32), authToken: 'b'.repeat(32) },
      baseUrl: 'http://127.0.0.1:3979',
      sender: '+15005550006',
    });
    assert.equal(config.defaultRegion, 'GB');
    assert.equal(config.publicBaseUrl, 'https://bot.example.com');
    assert.equal(config.emulator.mode, 'off');
  });

  it('reads SQLITE_SYNCHRONOUS=normal and refuses anything but full or normal', () => {
    assert.equal(loadConfig({ SQLITE_SYNCHRONOUS: 'NORMAL' }).sqliteSynchronous, 'normal');
    assert.throws(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' }), (err: unknown) => err instanceof StartupError && /SQLITE_SYNCHRONOUS must be full or normal, not "off"/.test(err.message));
  });

  it('names every bad variable, one sentence each', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', TURN_BUDGET_MS: '5', DEFAULT_REGION: 'XX', TWILIO_AUTH_TOKEN: 'x', HOST: '0.0.0.0' }),
      (err: unknown) => {
        assert.ok(err instanceof StartupError);
        assert.deepEqual(err.message.split('\n'), [
          'PORT must be a port number from 0 to 65535, not "eighty".',
          'HOST=0.0.0.0 would expose an anonymous bot (no MicrosoftAppId). Set MicrosoftAppId and MicrosoftAppPassword, or ALLOW_ANONYMOUS_BOT=true if something in front of the server authenticates callers.',
          'DEFAULT_REGION must be a two-letter country code such as US or GB, not "XX".',
          'TURN_BUDGET_MS must be a whole number from 500 to 120000, not "5".',
          'TWILIO_ACCOUNT_SID is missing: set it with TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET).',
        ]);
        return true;
      },
    );
  });

  it('refuses half an API key and a bad TRUST_PROXY with their own sentences', () => {
    assert.throws(() => loadConfig({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_API_KEY_SID: 'SK1' }), /^StartupError: Set both TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET, or neither\.$/);
    assert.throws(() => loadConfig({ TRUST_PROXY: 'yes' }), (err: unknown) => err instanceof StartupError && /TRUST_PROXY/.test(err.message));
    assert.throws(() => loadConfig({ HEALTHZ_CACHE_SECONDS: '-1' }), /HEALTHZ_CACHE_SECONDS must be a whole number of seconds from 0 to 3600, not "-1"\./);
  });
});
