import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultTemplatesDir, DialogInstaller } from '../../src/templates';
import { templateIds } from '../support/catalog';
import { ADMIN_TOKEN } from '../support/http';
import { startWorld, type AdminWorld } from '../support/world';

describe('admin API: /api/admin/templates', () => {
  let work: string;
  let world: AdminWorld;
  let dialogs: string;

  const call = async (method: string, route: string, body?: unknown) => {
    const authorization = `Bearer ${ADMIN_TOKEN}`;
    const res = await fetch(`${world.baseUrl}/api/admin/templates${route}`, {
      method,
      ...(body === undefined
        ? { headers: { authorization } }
        : { headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string; details: unknown[] } } };
  };

  beforeEach(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tva-routes-'));
    dialogs = path.join(work, 'dialogs');
    cpSync(defaultTemplatesDir(), path.join(work, 'templates'), { recursive: true });
    const installer = new DialogInstaller({ dialogsDir: dialogs, templatesDir: path.join(work, 'templates') });
    world = await startWorld({ stack: 'admin', dataDir: work, server: { templates: { installer } } });
  });

  afterEach(async () => {
    await world.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('GET lists the templates with their state', async () => {
    const { status, json } = await call('GET', '');
    assert.equal(status, 200);
    const list = json['templates'] as { id: string; state: string }[];
    assert.equal(list.length, (await templateIds()).length);
    assert.ok(list.every((t) => t.state === 'not-installed'));
  });

  it('POST /:id/install installs (201), then answers unchanged (200); GET /:id shows the nodes', async () => {
    const first = await call('POST', '/send-sms/install');
    assert.equal(first.status, 201);
    assert.equal(first.json['outcome'], 'installed');
    assert.equal((await call('POST', '/send-sms/install')).json['outcome'], 'unchanged');
    const show = await call('GET', '/send-sms');
    assert.equal(show.status, 200);
    assert.equal(show.json['state'], 'installed');
    assert.equal((show.json['nodes'] as { id: string }[])[0]?.id, 'intent');
  });

  it('POST /install-all installs every template', async () => {
    const { status, json } = await call('POST', '/install-all');
    assert.equal(status, 200);
    assert.equal((json['results'] as unknown[]).length, (await templateIds()).length);
    assert.deepEqual(json['failures'], []);
  });

  it('POST /:id/upgrade answers 409 with a conflict report for an edited dialog, and replaces it with {"force": true}', async () => {
    await call('POST', '/send-sms/install');
    const file = path.join(dialogs, 'send-sms.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"name": "Send SMS"', '"name": "Mine"'));
    const same = await call('POST', '/send-sms/upgrade', {});
    assert.equal(same.status, 200, 'no newer template: nothing to upgrade');
    assert.equal(same.json['outcome'], 'kept-edited');
    const tfile = path.join(work, 'templates', 'send-sms.json');
    writeFileSync(tfile, readFileSync(tfile, 'utf8').replace('"version": "1.3.0"', '"version": "1.4.0"'));
    const refused = await call('POST', '/send-sms/upgrade', {});
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error?.code, 'conflict');
    assert.deepEqual(refused.json.error?.details, [{ path: '/name', message: '"name" differs from template 1.4.0.' }]);
    const forced = await call('POST', '/send-sms/upgrade', { force: true });
    assert.equal(forced.status, 200);
    assert.equal(forced.json['outcome'], 'replaced');
  });

  it('answers 400 for a bad body or id, 404 for unknown or uninstalled templates, 422 for an invalid template', async () => {
    await call('POST', '/send-sms/install');
    const badBody = await call('POST', '/send-sms/upgrade', { force: 'yes' });
    assert.equal(badBody.status, 400);
    assert.deepEqual(badBody.json.error?.details, [{ path: '/force', message: 'must be boolean' }]);
    const badId = await call('GET', '/Send..SMS');
    assert.equal(badId.status, 400);
    assert.equal(badId.json.error?.code, 'invalid_id');
    const unknown = await call('POST', '/send-fax/install');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error?.code, 'unknown_template');
    assert.equal((await call('DELETE', '/check-verification')).status, 404);
    const tfile = path.join(work, 'templates', 'check-verification.json');
    writeFileSync(tfile, readFileSync(tfile, 'utf8').replace('"operation": "checkVerification"', '"operation": "guess"'));
    const invalid = await call('POST', '/check-verification/install');
    assert.equal(invalid.status, 422);
    assert.equal(invalid.json.error?.code, 'invalid_template');
    assert.match(JSON.stringify(invalid.json.error?.details), /Unknown operation \\"guess\\"/);
  });

  it('DELETE /:id uninstalls', async () => {
    await call('POST', '/send-sms/install');
    const { status, json } = await call('DELETE', '/send-sms');
    assert.equal(status, 200);
    assert.equal(json['outcome'], 'uninstalled');
  });
});
