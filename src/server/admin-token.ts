/** The admin API token: `ADMIN_TOKEN`, or generated once into `DATA_DIR/admin-token` (mode 0600). */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';
const MIN_LENGTH = 16;

export interface AdminToken {
  token: string;
  source: 'env' | 'file';
  /** The token file (source `file`): print its path, never the token. */
  file?: string;
  /** True when this call generated the file. */
  created: boolean;
}

function checked(token: string, origin: string): string {
  if (token.length < MIN_LENGTH || /\s/.test(token)) {
    throw new Error(`${origin} must be at least ${MIN_LENGTH} characters without spaces.`);
  }
  return token;
}

/** Resolves the admin token, creating the token file atomically (temp file, then an exclusive hard link). */
export async function resolveAdminToken(options: { env: { ADMIN_TOKEN?: string }; dataDir: string }): Promise<AdminToken> {
  const fromEnv = options.env.ADMIN_TOKEN;
  if (fromEnv !== undefined && fromEnv !== '') return { token: checked(fromEnv, 'ADMIN_TOKEN'), source: 'env', created: false };
  const file = path.join(options.dataDir, ADMIN_TOKEN_FILE);
  const read = async (): Promise<string | undefined> => {
    try {
      return checked((await fs.readFile(file, 'utf8')).trim(), file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  const existing = await read();
  if (existing) return { token: existing, source: 'file', file, created: false };
  await fs.mkdir(options.dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = await read();
    if (winner) return { token: winner, source: 'file', file, created: false };
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return { token, source: 'file', file, created: true };
}
