/** Listening, with the one error an operator can act on. */
import { listen as listenOn, type Server } from '../server';
import { StartupError } from './config';

/** Listens on host:port; resolves with the URL to print, or a StartupError that says to pick another port. */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  try {
    return await listenOn(server, host, port);
  } catch (err) {
    throw new StartupError(`Cannot listen on ${host}:${port} (${err instanceof Error ? err.message : String(err)}). Set PORT to a free port.`);
  }
}
