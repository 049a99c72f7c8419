/** Listening: the one place besides createServer that touches the restify server object. */
import type { Server } from 'restify';

/** The server `createServer` builds (restify's, named here so no other folder imports restify). */
export type { Server };

/** Listens on host:port; resolves with the URL to print (the wildcard address shown as 127.0.0.1). */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server.url.replace('[::]', '127.0.0.1');
}
