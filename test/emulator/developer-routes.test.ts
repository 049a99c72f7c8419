/** The developer endpoints' answers to what they do not serve: every path, every method, bodies that are not JSON. */
import assert from 'node:assert/strict';
import { createEmulator, type TwilioEmulator } from '../../src/emulator';

const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('emulator: developer endpoints refuse clearly', () => {
  let emulator: TwilioEmulator;
  let url: string;
  before(async () => {
    emulator = createEmulator({ log: () => undefined });
    url = await emulator.listen();
  });
  after(() => emulator.close());

  const wrongMethods: [method: string, path: string, allow: string][] = [
    ['POST', '/emulator', 'GET'],
    ['DELETE', '/emulator/', 'GET'],
    ['POST', '/emulator/messages', 'GET, DELETE'],
    ['DELETE', '/emulator/clock', 'GET, POST'],
    ['PUT', '/emulator/faults', 'GET, POST, DELETE'],
  ];
  for (const [method, path, allow] of wrongMethods) {
    it(`answers ${method} ${path} with 405 and Allow: ${allow}`, async () => {
      const res = await fetch(`${url}${path}`, { method, headers: JSON_TYPE, body: '{}' });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), allow);
      assert.deepEqual(await res.json(), { error: `${method} is not supported on ${path}; use ${allow}` });
    });
  }

  it('answers an unknown developer path with 404 pointing at the index', async () => {
    const res = await fetch(`${url}/emulator/nothing`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'no developer endpoint /emulator/nothing; see GET /emulator' });
  });

  it('answers a body that is not JSON with 400, whatever the path', async () => {
    for (const path of ['/emulator/clock', '/emulator/nothing']) {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: JSON_TYPE, body: '{not json' });
      assert.equal(res.status, 400, path);
      assert.deepEqual(await res.json(), { error: 'the body must be JSON' });
    }
  });

  it('answers a fault it cannot read with 400 saying what is wrong, and adds none', async () => {
    const res = await fetch(`${url}/emulator/faults`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ status: 429 }) });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: '"path" must be a string starting with "/"' });
    assert.deepEqual(emulator.faults(), []);
  });

  it('lists every Twilio route in its index', async () => {
    const index = (await (await fetch(`${url}/emulator`)).json()) as { endpoints: { twilio: string[] } };
    assert.ok(index.endpoints.twilio.includes('GET|POST /2010-04-01/Accounts/{AccountSid}/Messages.json'), index.endpoints.twilio.join('\n'));
    assert.equal(index.endpoints.twilio.length, 9);
  });
});
