/**
 * `tsx bench/serve.ts echo|echo-durable|handwritten|emulator`: one baseline bot in a process of its own, so the
 * benchmark can read its memory; `echo-durable` is the echo bot flushing each turn to BENCH_ECHO_FLUSH_FILE before it
 * answers; `emulator ...` runs `tva emulator ...` from the sources (bin/tva.js needs a build). Listens on 127.0.0.1 and a free port and prints `listening <url>`. The hand-written bot reads its Twilio
 * settings from BENCH_TWILIO_BASE_URL, BENCH_TWILIO_ACCOUNT_SID, BENCH_TWILIO_AUTH_TOKEN, BENCH_TWILIO_FROM and
 * BENCH_TWILIO_VERIFY_SERVICE_SID.
 */
import { main as tva } from '../src/cli/main';
import { startEchoBot } from './echo-bot';
import { startHandwrittenBot } from './handwritten-bot';

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set.`);
  return value;
}

async function main(kind: string | undefined): Promise<void> {
  if (kind === 'emulator') {
    await tva([process.argv[0] ?? 'node', 'tva', 'emulator', ...process.argv.slice(3)]);
    return;
  }
  let url: string;
  if (kind === 'echo') url = (await startEchoBot()).url;
  else if (kind === 'echo-durable') url = (await startEchoBot({ flushFile: setting('BENCH_ECHO_FLUSH_FILE') })).url;
  else if (kind === 'handwritten') {
    url = (
      await startHandwrittenBot({
        twilioBaseUrl: setting('BENCH_TWILIO_BASE_URL'),
        accountSid: setting('BENCH_TWILIO_ACCOUNT_SID'),
        authToken: setting('BENCH_TWILIO_AUTH_TOKEN'),
        from: setting('BENCH_TWILIO_FROM'),
        verifyServiceSid: setting('BENCH_TWILIO_VERIFY_SERVICE_SID'),
      })
    ).url;
  } else throw new Error('Usage: tsx bench/serve.ts echo|echo-durable|handwritten|emulator [options]');
  process.stdout.write(`listening ${url}\n`);
}

// Ended with SIGTERM by the benchmark: exit normally, so that --cpu-prof (BENCH_PROFILE_DIR) writes the profile.
process.once('SIGTERM', () => process.exit(0));

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`bench/serve: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
