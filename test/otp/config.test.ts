/**
 * Choosing the OTP mode: the configuration schema (admin API, CLI and console all save through it) and
 * `tva action configure --otp-mode/--code-length`.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { ActionError } from '../../src/auth/errors';
import { parseActionConfig } from '../../src/auth/validation';
import { registerActionCommands } from '../../src/cli/action';
import { CliError, type CliIo } from '../../src/cli/cli-io';
import { tempDataDir } from '../support/world';

const TEMPLATES = { register: 'Register with {{code}}', signIn: 'Sign in with {{code}}', test: 'Test {{code}}' };

function detailsOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ActionError, String(err));
    return (err.details ?? []) as { path: string; message: string }[];
  }
  assert.fail('expected the configuration to be refused');
}

describe('OTP mode configuration', () => {
  it('accepts no mode (Twilio Verify) and an explicit verify without templates', () => {
    assert.deepEqual(parseActionConfig({}), {});
    assert.deepEqual(parseActionConfig({ otpMode: 'verify' }), { otpMode: 'verify' });
  });

  it('accepts the message-templates mode with a sender, all three templates and a code length', () => {
    const config = { otpMode: 'messageTemplates', sender: '+15005550006', messageTemplates: TEMPLATES, codeLength: 8 };
    assert.deepEqual(parseActionConfig(config), config);
  });

  it('refuses the message-templates mode without a sender, naming the field and the reason', () => {
    assert.deepEqual(detailsOf(() => parseActionConfig({ otpMode: 'messageTemplates', messageTemplates: TEMPLATES })), [
      { path: '/sender', message: 'is required when otpMode is "messageTemplates" (codes are sent from the templates, by the sender)' },
    ]);
  });

  it('refuses a template whose SMS would pass 1600 characters once {{code}} holds a code of the configured length', () => {
    const long = `${'x'.repeat(1592)}{{code}}`;
    const config = { otpMode: 'messageTemplates', sender: '+15005550006', messageTemplates: { ...TEMPLATES, signIn: long }, codeLength: 10 };
    assert.deepEqual(detailsOf(() => parseActionConfig(config)), [
      {
        path: '/messageTemplates/signIn',
        message: 'is too long: with a 10-digit code its SMS has 1602 characters, and Twilio sends at most 1600 (shorten it by 2)',
      },
    ]);
    assert.deepEqual(parseActionConfig({ ...config, codeLength: 8 }), { ...config, codeLength: 8 });
  });

  it('refuses a template without {{code}} and an unknown mode, saying what is allowed', () => {
    const details = detailsOf(() =>
      parseActionConfig({ otpMode: 'templates', sender: '+15005550006', messageTemplates: { ...TEMPLATES, test: 'no code here' } }),
    );
    assert.deepEqual(details, [
      { path: '/messageTemplates/test', message: 'must contain the {{code}} placeholder' },
      { path: '/otpMode', message: 'must be one of: verify, messageTemplates' },
    ]);
  });

  it('refuses a code length outside 4 to 10', () => {
    assert.deepEqual(detailsOf(() => parseActionConfig({ codeLength: 3 })), [{ path: '/codeLength', message: 'must be >= 4' }]);
    assert.deepEqual(detailsOf(() => parseActionConfig({ codeLength: 11 })), [{ path: '/codeLength', message: 'must be <= 10' }]);
  });
});

describe('tva action configure --otp-mode', () => {
  const dataDir = tempDataDir();

  async function tva(args: string[]): Promise<string> {
    const out: string[] = [];
    const io: CliIo = {
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: () => undefined },
      env: { DATA_DIR: dataDir },
      promptSecret: async () => '',
    };
    const program = new Command('tva').exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: () => undefined });
    registerActionCommands(program, io);
    await program.parseAsync(['node', 'tva', ...args]);
    return out.join('');
  }

  it('refuses message templates until the sender and every template are set, saying which are missing', async () => {
    await assert.rejects(tva(['action', 'configure', '--otp-mode', 'messageTemplates', '--template-register', 'Code {{code}}']), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.match(e.message, /\/sender: is required when otpMode is "messageTemplates"/);
      assert.match(e.message, /\/messageTemplates\/signIn: is required when otpMode is "messageTemplates"/);
      return true;
    });
  });

  it('switches to message templates with a code length, and back to Twilio Verify', async () => {
    const on = await tva([
      'action', 'configure', '--otp-mode', 'messageTemplates', '--code-length', '8', '--sender', '+15005550006',
      '--template-register', TEMPLATES.register, '--template-sign-in', TEMPLATES.signIn, '--template-test', TEMPLATES.test,
    ]);
    assert.match(on, /codes: message templates \(8 digits, texted from the sender\)/);
    const off = await tva(['action', 'configure', '--otp-mode', 'verify']);
    assert.match(off, /codes: Twilio Verify/);
    assert.match(off, /template register: Register with \{\{code\}\}/);
  });

  it('refuses a code length that is not a number', async () => {
    await assert.rejects(tva(['action', 'configure', '--code-length', 'six']), (e: unknown) =>
      e instanceof CliError && /--code-length must be a whole number from 4 to 10, not "six"/.test(e.message),
    );
  });
});
