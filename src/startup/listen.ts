/** Listening, with the one error an operator can act on. */
import type { Server } from 'restify';
import { StartupError } from './config';

/** Listens on host:port; resolves with the URL to print (the wildcard address shown as 127.0.0.1). */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: Error) => reject(new StartupError(`Cannot listen on ${host}:${port} (${err.message}). Set PORT to a free port.`)));
    server.listen(port, host, () => resolve());
  });
  return server.url.replace('[::]', '127.0.0.1');
}
