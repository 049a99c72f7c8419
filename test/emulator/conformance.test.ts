import assert from 'node:assert/strict';
import { loadSpec, responseValidator, describeErrors, type OaiMethod, type OaiSpec } from '../support/oai';
import { conformanceProblem } from '../support/emulator';

/** Every operation the emulator implements, with the statuses it answers. */
const OPERATIONS: Array<[OaiSpec, string, OaiMethod, number]> = [
  ['api', '/2010-04-01/Accounts/{Sid}.json', 'get', 200],
  ['api', '/2010-04-01/Accounts/{AccountSid}/Messages.json', 'post', 201],
  ['api', '/2010-04-01/Accounts/{AccountSid}/Messages.json', 'get', 200],
  ['api', '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json', 'get', 200],
  ['verify', '/v2/Services', 'post', 201],
  ['verify', '/v2/Services', 'get', 200],
  ['verify', '/v2/Services/{Sid}', 'get', 200],
  ['verify', '/v2/Services/{Sid}', 'post', 200],
  ['verify', '/v2/Services/{ServiceSid}/Verifications', 'post', 201],
  ['verify', '/v2/Services/{ServiceSid}/Verifications/{Sid}', 'get', 200],
  ['verify', '/v2/Services/{ServiceSid}/Verifications/{Sid}', 'post', 200],
  ['verify', '/v2/Services/{ServiceSid}/VerificationCheck', 'post', 200],
];

function examples(spec: OaiSpec, path: string, method: OaiMethod, status: number): Array<[string, unknown]> {
  const paths = loadSpec(spec)['paths'] as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }> }>>;
  const content = paths[path]?.[method]?.responses[String(status)]?.content?.['application/json'];
  return Object.entries(content?.examples ?? {}).map(([name, e]) => [name, e.value]);
}

describe('OAI response validator (test/support/oai.ts)', () => {
  for (const [spec, path, method, status] of OPERATIONS) {
    it(`accepts Twilio's own examples for ${method.toUpperCase()} ${path} ${status}`, () => {
      const validate = responseValidator(spec, path, method, status);
      const all = examples(spec, path, method, status);
      assert.ok(all.length > 0, 'the spec has examples for this operation');
      for (const [name, value] of all) {
        if (!validate(value)) assert.fail(`${name}:\n${describeErrors(validate.errors)}`);
      }
    });
  }

  const service = (): Record<string, unknown> => {
    const [[, value]] = examples('verify', '/v2/Services', 'post', 201) as [[string, Record<string, unknown>]];
    return structuredClone(value);
  };

  it('rejects a body that leaves out a field of the schema', () => {
    const body = service();
    delete body['tts_name'];
    assert.equal(responseValidator('verify', '/v2/Services', 'post', 201)(body), false);
  });

  it('accepts null for a nullable field', () => {
    const body = { ...service(), tts_name: null };
    assert.equal(responseValidator('verify', '/v2/Services', 'post', 201)(body), true);
  });

  it('rejects a SID with the wrong prefix', () => {
    const body = { ...service(), sid: `VE${'a'.repeat(32)}` };
    assert.equal(responseValidator('verify', '/v2/Services', 'post', 201)(body), false);
  });

  it('rejects an RFC 2822 date where Verify wants ISO 8601', () => {
    const body = { ...service(), date_created: 'Sun, 22 Nov 2026 02:05:36 +0000' };
    assert.equal(responseValidator('verify', '/v2/Services', 'post', 201)(body), false);
  });

  it('rejects an ISO date or a wrong weekday where the 2010 API wants RFC 2822', () => {
    const [[, account]] = examples('api', '/2010-04-01/Accounts/{Sid}.json', 'get', 200) as [[string, Record<string, unknown>]];
    const validate = responseValidator('api', '/2010-04-01/Accounts/{Sid}.json', 'get', 200);
    assert.equal(validate({ ...account, date_created: '2026-11-22T02:05:36Z' }), false);
    assert.equal(validate({ ...account, date_created: 'Mon, 22 Nov 2026 02:05:36 +0000' }), false);
    assert.equal(validate({ ...account, date_created: 'Sun, 22 Nov 2026 02:05:36 +0000' }), true);
  });

  it('rejects a value outside an enum', () => {
    const [[, account]] = examples('api', '/2010-04-01/Accounts/{Sid}.json', 'get', 200) as [[string, Record<string, unknown>]];
    assert.equal(responseValidator('api', '/2010-04-01/Accounts/{Sid}.json', 'get', 200)({ ...account, status: 'happy' }), false);
  });
});

describe('emulator conformance check (the harness hook)', () => {
  const operation = { spec: 'verify', path: '/v2/Services', method: 'post' } as const;
  const json = { 'Content-Type': 'application/json; charset=utf-8' };

  it('flags a success body that does not match the schema', () => {
    const problem = conformanceProblem({ method: 'POST', path: '/v2/Services', status: 201, headers: json, body: '{"sid":"VA1"}', operation, injected: false });
    assert.match(problem ?? '', /does not match Twilio's schema/);
  });

  it('flags an error body without more_info', () => {
    const problem = conformanceProblem({ method: 'POST', path: '/v2/Services', status: 400, headers: json, body: '{"code":60200,"message":"x","status":400}', operation, injected: false });
    assert.match(problem ?? '', /error shape/);
  });

  it('flags an error body whose status differs from the HTTP status', () => {
    const body = JSON.stringify({ code: 60200, message: 'x', more_info: 'https://www.twilio.com/docs/errors/60200', status: 400 });
    assert.match(conformanceProblem({ method: 'POST', path: '/v2/Services', status: 429, headers: json, body, operation, injected: false }) ?? '', /says status 400/);
  });

  it('flags a status the spec does not declare for the operation', () => {
    const problem = conformanceProblem({ method: 'POST', path: '/v2/Services', status: 200, headers: json, body: '{}', operation, injected: false });
    assert.match(problem ?? '', /does not declare 200/);
  });
});
