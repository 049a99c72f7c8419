import assert from 'node:assert/strict';
import nock from 'nock';
import { createTwilioClient, fetchAccount, resolveBaseUrls, TwilioActionError } from '../../src/twilio';
import { sdkRewritesHostname } from '../../src/twilio/baseUrl';
import { ACCOUNT_SID, authTokenCredentials, json, oaiExample } from './helpers';

afterEach(() => nock.cleanAll());

describe('Twilio base URL', () => {
  const accepted: [string | undefined, { api: string; verify: string }][] = [
    [undefined, { api: 'https://api.twilio.com', verify: 'https://verify.twilio.com' }],
    ['', { api: 'https://api.twilio.com', verify: 'https://verify.twilio.com' }],
    ['http://127.0.0.1:3979', { api: 'http://127.0.0.1:3979', verify: 'http://127.0.0.1:3979' }],
    ['http://127.0.0.1:3979/', { api: 'http://127.0.0.1:3979', verify: 'http://127.0.0.1:3979' }],
    ['http://127.0.0.1:3979/tenants/acme/', { api: 'http://127.0.0.1:3979/tenants/acme', verify: 'http://127.0.0.1:3979/tenants/acme' }],
    ['https://twilio.proxy.example.com', { api: 'https://twilio.proxy.example.com', verify: 'https://twilio.proxy.example.com' }],
    ['http://[::1]:3979', { api: 'http://[::1]:3979', verify: 'http://[::1]:3979' }],
    ['http://emulator:3979', { api: 'http://emulator:3979', verify: 'http://emulator:3979' }],
    ['https://api.twilio.com', { api: 'https://api.twilio.com', verify: 'https://verify.twilio.com' }],
    ['https://verify.twilio.com/', { api: 'https://api.twilio.com', verify: 'https://verify.twilio.com' }],
    ['https://api.dublin.ie1.twilio.com', { api: 'https://api.dublin.ie1.twilio.com', verify: 'https://verify.dublin.ie1.twilio.com' }],
    ['https://api.ie1.twilio.com', { api: 'https://api.ie1.twilio.com', verify: 'https://verify.ie1.twilio.com' }],
  ];
  for (const [baseUrl, expected] of accepted) {
    it(`accepts ${JSON.stringify(baseUrl)} as ${expected.api} and ${expected.verify}`, () => {
      assert.deepEqual(resolveBaseUrls(baseUrl), expected);
    });
  }

  const rejected: [string, RegExp][] = [
    ['http://localhost:3979', /use 127\.0\.0\.1 instead of localhost/],
    ['http://api.localhost:3979', /use 127\.0\.0\.1 instead of localhost/],
    ['https://example.com', /use a host name with three or more labels, e\.g\. api\.example\.com/],
    ['https://a.b.c.d.example.com', /would rewrite the host name/],
    ['ftp://127.0.0.1:3979', /use an http or https URL/],
    ['127.0.0.1:3979', /use an http or https URL|not a URL/],
    ['not a url', /not a URL/],
    ['http://127.0.0.1:3979/?x=1', /query or fragment/],
    ['http://127.0.0.1:3979/#top', /query or fragment/],
    ['http://user:pass@127.0.0.1:3979', /must not hold credentials/],
    ['https://{tenant}.proxy.example.com', /placeholder/],
    ['http://api.twilio.com', /over https/],
  ];
  for (const [baseUrl, message] of rejected) {
    it(`rejects ${baseUrl} with invalid_base_url saying what to use instead`, () => {
      assert.throws(
        () => createTwilioClient(authTokenCredentials, { baseUrl }),
        (error: unknown) => error instanceof TwilioActionError && error.code === 'invalid_base_url' && message.test(error.userMessage),
      );
    });
  }

  it('agrees with twilio-node getHostname() on which host names it rewrites', () => {
    const gw = createTwilioClient(authTokenCredentials);
    for (const host of ['example.com', '127.0.0.1', 'api.example.com', 'api.dublin.ie1.twilio.com', 'a.b.c.d.example.com', 'emulator', 'api.localhost']) {
      const rewritten = gw.client.getHostname(host, undefined, undefined) !== host;
      assert.equal(sdkRewritesHostname(host), rewritten, host);
    }
  });

  it('applies the base URL to client.api.baseUrl and client.verify.baseUrl and clears region and edge', () => {
    const previous = { region: process.env.TWILIO_REGION, edge: process.env.TWILIO_EDGE };
    process.env.TWILIO_REGION = 'au1';
    process.env.TWILIO_EDGE = 'sydney';
    try {
      const gw = createTwilioClient(authTokenCredentials, { baseUrl: 'http://127.0.0.1:3979/' });
      assert.equal(gw.client.api.baseUrl, 'http://127.0.0.1:3979');
      assert.equal(gw.client.verify.baseUrl, 'http://127.0.0.1:3979');
      assert.equal(gw.client.region, undefined);
      assert.equal(gw.client.edge, undefined);
      assert.equal(gw.options.baseUrl, 'http://127.0.0.1:3979');
    } finally {
      for (const [key, value] of [['TWILIO_REGION', previous.region], ['TWILIO_EDGE', previous.edge]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('sends requests to the base URL host unchanged', async () => {
    const gw = createTwilioClient(authTokenCredentials, { baseUrl: 'https://twilio.proxy.example.com' });
    const scope = nock('https://twilio.proxy.example.com').get(`/2010-04-01/Accounts/${ACCOUNT_SID}.json`).reply(...json(200, oaiExample('FetchAccount')));
    await fetchAccount(gw);
    assert.ok(scope.isDone());
  });
});
