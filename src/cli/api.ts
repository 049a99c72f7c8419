/**
 * `tva api METHOD PATH [--param Name=value …]`: any path of the Twilio API (the api and verify domains) with the
 * action's pre-authorized credentials, through the gateway's auth, retries and errors. Prints Twilio's JSON reply.
 */
import type { Command } from 'commander';
import { CliError, processIo, type CliIo } from './cli-io';
import { withAction } from './services';

type Scalar = string;

/** `Name=value` pairs; a name given twice becomes a list (Twilio's repeated parameters). */
export function parseParams(pairs: readonly string[]): Record<string, Scalar | Scalar[]> {
  const params: Record<string, Scalar | Scalar[]> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--param "${pair}" is not Name=value; e.g. --param To=+14155550123`);
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const before = params[name];
    params[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  return params;
}

/** Verify's paths start with /v2/; everything else is the 2010 API. */
function domainOf(path: string, given: string | undefined): string {
  if (given !== undefined) return given;
  return path.startsWith('/v2/') ? 'verify' : 'api';
}

export function registerApiCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command('api')
    .description("Call any path of the Twilio API with the action's credentials and print the JSON reply")
    .argument('<method>', 'GET, POST or DELETE')
    .argument('<path>', 'e.g. /v2/Services or /2010-04-01/Accounts/{AccountSid}/Messages.json ({AccountSid} is filled in)')
    .option('--param <Name=value>', 'a Twilio parameter, repeatable: the form body of a POST, the query of a GET or DELETE', (pair: string, all: string[]) => [...all, pair], [])
    .option('--domain <api|verify>', 'which Twilio API; default verify for /v2/… paths, api otherwise')
    .action(async (method: string, path: string, opts: { param: string[]; domain?: string }) => {
      const params = parseParams(opts.param);
      await withAction(io, async (action, actor) => {
        const reply = await action.twilioRequest(
          { method: method.toUpperCase(), domain: domainOf(path, opts.domain), path, ...(Object.keys(params).length > 0 ? { params } : {}) },
          actor,
        );
        io.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
      });
    });
}
