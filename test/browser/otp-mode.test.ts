/**
 * The console's "How codes are sent" picker in headless Chromium against the real server: an admin switches to
 * message templates (refused next to the missing template first), and the action's configuration says so.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_TOKEN } from '../support/http';
import { startWorld, type World } from '../support/world';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const browserMissing = !existsSync(CHROMIUM);

/** Signs in to the console with the admin token and opens the action's Configuration tab. */
async function openConfiguration(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/admin`);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Actions', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Configure' }).first().click();
  await page.getByRole('tab', { name: 'Configuration' }).click();
}

describe(`the console's OTP mode picker in headless Chromium${browserMissing && !process.env.CI ? ` (skipped: ${CHROMIUM} is missing)` : ''}`, function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let world: World | undefined;

  before(async function () {
    if (browserMissing) {
      if (!process.env.CI) this.skip();
      assert.fail(`${CHROMIUM} is missing and CI is set`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await world?.close();
    await browser?.close();
  });

  it('switches codes to message templates once every template is given, Twilio Verify being the default', async () => {
    assert.ok(browser);
    world = await startWorld();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await openConfiguration(page, world.url);

    const verify = page.getByRole('radio', { name: 'Twilio Verify (recommended: Twilio’s fraud guard)' });
    assert.equal(await verify.isChecked(), true, 'Twilio Verify is the default');
    await page.getByRole('radio', { name: 'Message templates' }).check();
    await page.getByLabel('Code length').fill('8');
    await page.getByLabel('Default sender').fill('+15005550006');
    await page.getByLabel('Registration message').fill('Register with {{code}}');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText(/is required when otpMode is "messageTemplates"/).first().waitFor();
    const axe = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), []);

    await page.getByLabel('Sign-in message').fill('Sign in with {{code}}');
    await page.getByLabel('Test message').fill('Test {{code}}');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('Configuration saved.').waitFor();
    const saved = await world.admin('GET', '/api/admin/action');
    const config = (saved.body as { config: Record<string, unknown> }).config;
    assert.deepEqual([config['otpMode'], config['codeLength'], config['sender']], ['messageTemplates', 8, '+15005550006']);
    await context.close();
  });
  it('says what to type when the code length is not a number, and saves nothing', async () => {
    assert.ok(browser);
    world ??= await startWorld();
    const before = await world.admin('GET', '/api/admin/action');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await openConfiguration(page, world.url);
    await page.getByRole('radio', { name: 'Message templates' }).check();
    await page.getByLabel('Code length').fill('six');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('Type the number of digits per code, from 4 to 10 (e.g. 6), or leave it empty for 6.').waitFor();
    await page.getByText('The code length is not a number. Nothing was saved.').waitFor();
    const after = await world.admin('GET', '/api/admin/action');
    assert.deepEqual((after.body as { config: unknown }).config, (before.body as { config: unknown }).config);
    await context.close();
  });

  it('switches to message templates and back on a 390 px phone, without sideways scrolling or axe violations', async () => {
    assert.ok(browser);
    await world?.close();
    world = await startWorld();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const phoneIsClean = async (label: string) => {
      const axe = await new AxeBuilder({ page }).analyze();
      assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), [], label);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${label}: scrolls sideways by ${overflow} px`);
    };
    await openConfiguration(page, world.url);
    await page.getByRole('radio', { name: 'Message templates' }).check();
    await page.getByLabel('Code length').fill('7');
    await page.getByLabel('Default sender').fill('+15005550006');
    await page.getByLabel('Registration message').fill('Register with {{code}}');
    await page.getByLabel('Sign-in message').fill('Sign in with {{code}}');
    await page.getByLabel('Test message').fill('Test {{code}}');
    await phoneIsClean('message templates picked');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('Configuration saved.').waitFor();
    const saved = (await world.admin('GET', '/api/admin/action')).body as { config: Record<string, unknown> };
    assert.deepEqual([saved.config['otpMode'], saved.config['codeLength']], ['messageTemplates', 7]);

    await page.getByRole('radio', { name: 'Twilio Verify (recommended: Twilio’s fraud guard)' }).check();
    assert.equal(await page.getByLabel('Code length').count(), 0, 'the code length is a message-templates setting');
    await phoneIsClean('Twilio Verify picked');
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('Configuration saved.').waitFor();
    const back = (await world.admin('GET', '/api/admin/action')).body as { config: Record<string, unknown> };
    assert.equal(back.config['otpMode'], 'verify');
    await context.close();
  });
});
