// The template routes under /api/admin follow the admin API's body rules (README: JSON at most 16 KiB, 413/415/422).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DialogInstaller } from '../../src/templates';
import { startWorld, type AdminWorld } from '../support/world';
import { ADMIN_TOKEN } from '../support/http';

interface Reply {
  status: number;
  error?: { code: string; details: Array<{ path: string; message: string }> };
  body: unknown;
}

describe('admin template routes: request bodies', () => {
  let work: string;
  let dialogsDir: string;
  let world: AdminWorld;
  let port: number;

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'tva-template-routes-'));
    dialogsDir = path.join(work, 'dialogs');
    world = await startWorld({ stack: 'admin', dataDir: work, server: { templates: { installer: new DialogInstaller({ dialogsDir }) } } });
    port = world.port;
  });
  after(async () => {
    await world.close();
    rmSync(work, { recursive: true, force: true });
  });

  function request(method: string, urlPath: string, payload?: string, contentType = 'application/json'): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
      if (payload !== undefined) {
        headers['content-type'] = contentType;
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: Reply['error'] };
          resolve({ status: res.statusCode ?? 0, body, ...(body.error ? { error: body.error } : {}) });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  it('refuses a body that is not JSON with 415, installing nothing', async () => {
    const reply = await request('POST', '/api/admin/templates/send-sms/install', 'please', 'text/plain');
    assert.equal(reply.status, 415);
    assert.equal(reply.error?.code, 'unsupported_media_type');
    assert.ok(!existsSync(path.join(dialogsDir, 'send-sms.json')));
  });

  it('refuses unknown fields on install, install-all and uninstall with 422 and their JSON pointer', async () => {
    for (const [method, route] of [
      ['POST', '/api/admin/templates/send-sms/install'],
      ['POST', '/api/admin/templates/install-all'],
      ['DELETE', '/api/admin/templates/send-sms'],
    ] as const) {
      const reply = await request(method, route, '{"id":"../etc"}');
      assert.equal(reply.status, 422, route);
      assert.deepEqual(reply.error?.details, [{ path: '/id', message: 'is not an allowed field' }], route);
    }
    assert.ok(!existsSync(path.join(dialogsDir, 'send-sms.json')));
  });

  it('answers 413 to a body over the admin limit of 16 KiB', async () => {
    const reply = await request('POST', '/api/admin/templates/send-sms/upgrade', JSON.stringify({ force: 'x'.repeat(17 * 1024) }));
    assert.equal(reply.status, 413);
    assert.equal(reply.error?.code, 'payload_too_large');
  });

  it('still installs with no body or {}, and still reads { "force" } on upgrade', async () => {
    assert.equal((await request('POST', '/api/admin/templates/send-sms/install')).status, 201);
    assert.equal((await request('POST', '/api/admin/templates/check-verification/install', '{}')).status, 201);
    const upgrade = await request('POST', '/api/admin/templates/send-sms/upgrade', '{"force":true}');
    assert.equal(upgrade.status, 200, JSON.stringify(upgrade.body));
    const bad = await request('POST', '/api/admin/templates/send-sms/upgrade', '{"force":"yes"}');
    assert.equal(bad.status, 400);
    assert.equal((await request('DELETE', '/api/admin/templates/send-sms')).status, 200);
  });
});
