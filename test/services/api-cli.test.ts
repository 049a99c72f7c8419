/** `tva api METHOD PATH --param …`: any Twilio path with the action's credentials, against the emulator. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { parseParams, registerApiCommand } from '../../src/cli/api';
import { CliError, type CliIo } from '../../src/cli/cli-io';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';
import { authorizedDataDir } from '../support/world';

describe('tva api', () => {
  let emulator: TwilioEmulator;
  let dataDir: string;

  before(async () => {
    emulator = createEmulator({ log: () => undefined });
    await emulator.listen(0, '127.0.0.1');
    dataDir = await authorizedDataDir(emulator);
  });
  after(async () => emulator.close());

  async function tva(args: string[]): Promise<string> {
    const out: string[] = [];
    const io: CliIo = {
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: () => undefined },
      env: { DATA_DIR: dataDir },
      promptSecret: async () => '',
    };
    const program = new Command('tva').exitOverride();
    registerApiCommand(program, io);
    await program.parseAsync(['node', 'tva', ...args]);
    return out.join('');
  }

  it('sends an SMS with a POST to the 2010 API, {AccountSid} filled in, and prints the reply', async () => {
    const out = await tva(['api', 'POST', '/2010-04-01/Accounts/{AccountSid}/Messages.json', '--param', 'To=+14155550123', '--param', 'From=+15005550006', '--param', 'Body=raw call']);
    const reply = JSON.parse(out) as { status: number; body: { sid: string; status: string } };
    assert.equal(reply.status, 201);
    assert.match(reply.body.sid, /^SM/);
    assert.deepEqual(emulator.outbox().map((m) => m.body), ['raw call']);
  });

  it('reads Verify with a GET (the domain follows the /v2/ path)', async () => {
    const reply = JSON.parse(await tva(['api', 'get', '/v2/Services', '--param', 'PageSize=5'])) as { status: number; body: { services: unknown[] } };
    assert.equal(reply.status, 200);
    assert.ok(Array.isArray(reply.body.services));
  });

  it("answers Twilio's refusal in words, with its code", async () => {
    await assert.rejects(tva(['api', 'GET', '/v2/Services/VA00000000000000000000000000000000']), (err: unknown) => err instanceof CliError && /Twilio answered 20404/.test(err.message));
  });

  it('refuses a path that leaves the API (..) before sending anything', async () => {
    await assert.rejects(tva(['api', 'GET', '/v2/../2010-04-01/Accounts.json']), (err: unknown) => err instanceof CliError && /path/i.test(err.message));
  });

  it('reads Name=value pairs, a repeated name as a list, and refuses a pair without =', () => {
    assert.deepEqual(parseParams(['To=+1', 'MediaUrl=a', 'MediaUrl=b', 'Body=x=y']), { To: '+1', MediaUrl: ['a', 'b'], Body: 'x=y' });
    assert.throws(() => parseParams(['oops']), (err: unknown) => err instanceof CliError && /Name=value/.test(err.message));
  });
});
