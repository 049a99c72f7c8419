// Loaded by mocha before every test file (see .mocharc.json): no test reaches the internet.
import nock from 'nock';

/** Requests to this machine pass (test servers, the emulator); any other host is refused. */
export function onlyLoopbackNetwork(): void {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
}

onlyLoopbackNetwork();
