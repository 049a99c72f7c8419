/**
 * The chat page of the REAL server (`start()` from src/main.ts, the emulator in process on a manual clock) in headless
 * Chromium: the greeting, a whole Send SMS dialog, suggested actions, the emulator's outbox beside the chat, and the
 * user-authorized flow through the real link page. Set TVA_REAL_CHAT_SCREENSHOT=/tmp/real-chat.png to keep a picture.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ALICE_PHONE, configureUserAuthorized, startWorld, type World } from '../support/world';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const browserMissing = !existsSync(CHROMIUM);
const runningInCi = Boolean(process.env.CI);
const skipReason = browserMissing && !runningInCi ? ` (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)` : '';

async function say(page: Page, text: string): Promise<void> {
  await page.locator('#message').fill(text);
  await page.locator('#message').press('Enter');
}

/** Waits until a bot bubble holding this text (a key phrase) is on the page. */
async function botSays(page: Page, text: string | RegExp): Promise<void> {
  await page.locator('.message--bot .message__text', { hasText: text }).last().waitFor({ state: 'visible' });
}

describe(`the real server's chat page in headless Chromium${skipReason}`, function () {
  this.timeout(60_000);
  let world: World;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  before(async function () {
    if (browserMissing) {
      if (!runningInCi) this.skip();
      assert.fail(`${CHROMIUM} is missing and CI is set: the chat page must be tested in a real browser (apt-get install -y chromium)`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    world = await startWorld();
    context = await browser.newContext({ viewport: { width: 1200, height: 820 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
  });
  afterEach(async () => {
    await context?.close();
    await world?.close();
  });

  it('greets, runs Send SMS to the confirmation, answers a suggested action, and shows the SMS in the outbox', async () => {
    await page.goto(world.url);
    await botSays(page, 'I can help you with');
    const greetingButtons = await page.locator('#suggestions button').allTextContents();
    assert.ok(greetingButtons.includes('Send SMS'), `greeting buttons: ${greetingButtons.join(', ')}`);
    assert.ok(greetingButtons.includes('Verify Phone Number'), `greeting buttons: ${greetingButtons.join(', ')}`);

    await say(page, 'send an sms');
    await botSays(page, 'Which phone number should I text?');
    await say(page, ALICE_PHONE);
    await botSays(page, 'What should the message say?');
    await say(page, 'Hello from the browser.');
    await botSays(page, /your message to \+14155550123 is on its way/);
    assert.deepEqual(
      world.emulator.outbox().map((m) => [m.to, m.body]),
      [[ALICE_PHONE, 'Hello from the browser.']],
    );

    // The outbox panel (dev mode) shows what the emulator "sent".
    await page.locator('#outbox').waitFor({ state: 'visible' });
    await page.locator('.outbox__item', { hasText: 'Hello from the browser.' }).waitFor();
    assert.equal(await page.locator('#outbox-target').textContent(), 'The action sends through this embedded emulator: its messages appear here.');
    assert.match((await page.locator('.outbox__item').first().textContent()) ?? '', /\+14155550123/);

    // A new conversation greets again; its suggested actions start a dialog.
    await page.locator('#new-conversation').click();
    await botSays(page, 'I can help you with');
    await page.locator('#suggestions button', { hasText: 'Verify Phone Number' }).click();
    await page.locator('.message--user', { hasText: 'Verify Phone Number' }).waitFor();
    await botSays(page, "What's your mobile number?");
    await say(page, '+14155550155');
    await botSays(page, /I texted a code to \+14155550155/);

    // The code is read from the outbox panel, as a person would, and approves the number.
    const codeCell = page.locator('.outbox__item', { hasText: '+14155550155' }).locator('.outbox__code');
    await codeCell.waitFor();
    const code = ((await codeCell.textContent()) ?? '').trim();
    assert.match(code, /^\d{6}$/);
    await say(page, code);
    await botSays(page, /\+14155550155 is verified/);

    if (process.env.TVA_REAL_CHAT_SCREENSHOT) await page.screenshot({ path: process.env.TVA_REAL_CHAT_SCREENSHOT });
    assert.deepEqual(errors, []);
  });

  it('on a 390 px phone, verifies a number with the code read from the outbox view', async () => {
    await page.setViewportSize({ width: 390, height: 740 });
    await page.goto(world.url);
    await botSays(page, 'I can help you with');
    await page.getByRole('button', { name: 'Verify Phone Number' }).click();
    await botSays(page, "What's your mobile number?");
    await say(page, '+14155550155');
    await botSays(page, /I texted a code to \+14155550155/);
    await page.getByRole('button', { name: /^Outbox/ }).click();
    const mine = page.locator('.outbox__item--mine', { hasText: '+14155550155' });
    await mine.waitFor();
    assert.equal(await page.locator('#outbox-list > li').first().textContent(), 'This conversation');
    const codeCell = mine.locator('.outbox__code');
    const box = await codeCell.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= 740, 'the code is on screen');
    const code = ((await codeCell.textContent()) ?? '').trim();
    assert.match(code, /^\d{6}$/);
    await page.getByRole('button', { name: 'Chat' }).click();
    await say(page, code);
    await botSays(page, /\+14155550155 is verified/);
    assert.deepEqual(errors, []);
  });

  it('says in the outbox when the action does not send through the embedded emulator', async () => {
    await configureUserAuthorized(world);
    await page.goto(world.url);
    await page.locator('#outbox').waitFor({ state: 'visible' });
    await page
      .locator('#outbox-target', { hasText: "The action is user-authorized: each user's own Twilio account decides where messages go." })
      .waitFor();
  });

  /**
   * The user-authorized flow in the browser: the chat shows the link, the user opens it, gets Twilio's reason for a
   * wrong token, then authorizes; the success page tells the chat page, which sends `authorization/completed`, and
   * the dialog resumes without the user typing "done".
   */
  async function authorizeInBrowser(): Promise<void> {
    await configureUserAuthorized(world);
    await page.goto(world.url);
    await botSays(page, 'I can help you with');
    await say(page, 'send an sms');
    await botSays(page, 'Which phone number should I text?');
    await say(page, ALICE_PHONE);
    await botSays(page, 'What should the message say?');
    await say(page, 'Sent after authorizing in the browser.');
    const link = page.locator('.message--bot a', { hasText: '/auth/' });
    await link.waitFor();

    const [authPage] = await Promise.all([context.waitForEvent('page'), link.click()]);
    authPage.setDefaultTimeout(10_000);
    await authPage.waitForLoadState();
    await authPage.locator('#accountSid').fill(world.emulator.accountSid);
    await authPage.locator('#authToken').fill('0'.repeat(32));
    await authPage.locator('button[type="submit"]').click();
    await authPage.locator('.error', { hasText: '20003' }).waitFor();

    await authPage.locator('#authToken').fill(world.emulator.authToken);
    await authPage.locator('button[type="submit"]').click();
    await authPage.locator('h1', { hasText: 'You are authorized' }).waitFor();

    await botSays(page, /your message to \+14155550123 is on its way/);
    assert.deepEqual(
      world.emulator.outbox().map((m) => m.body),
      ['Sent after authorizing in the browser.'],
    );
    assert.deepEqual(errors, []);
  }

  it('lets a user authorize through the real link page in the browser, and the chat resumes by itself', async () => {
    await authorizeInBrowser();
  });
});
