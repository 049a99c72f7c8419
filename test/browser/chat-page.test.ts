/**
 * The chat page (public/) in real headless Chromium, served by the real createServer with the scripted test bot (test/support/chat-bot.ts).
 * Set TVA_CHAT_SCREENSHOT=/tmp/chat.png to save a picture of the page mid-conversation.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startWorld, type ChatWorld } from '../support/world';

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
const GREETING = 'Hello! I am the fixture bot. Type "menu" to see what I can do.';

const browserMissing = !existsSync(CHROMIUM);
const runningInCi = Boolean(process.env.CI);
const skipReason = browserMissing && !runningInCi ? ` (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)` : '';

/** Types a message the way a person does: into the box, then Enter. */
async function say(page: Page, text: string): Promise<void> {
  await page.locator('#message').fill(text);
  await page.locator('#message').press('Enter');
}

/** Waits until a bot bubble with exactly this text is on the page. */
async function botSays(page: Page, text: string): Promise<void> {
  await page.locator('.message--bot .message__text', { hasText: text }).last().waitFor({ state: 'visible' });
}

describe(`chat page in headless Chromium${skipReason}`, function () {
  let bot: ChatWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async function () {
    if (browserMissing) {
      if (!runningInCi) this.skip();
      assert.fail(`${CHROMIUM} is missing and CI is set: the chat page must be tested in a real browser (apt-get install -y chromium)`);
    }
    bot = await startWorld({ stack: 'chat', dev: true, holdSlow: true });
    bot.outbox.push({
      sid: 'SM00000000000000000000000000000001',
      to: '+14155550100',
      from: '+15005550006',
      channel: 'sms',
      body: 'Your verification code is: 482913',
      date_created: 'Mon, 02 Mar 2026 10:00:00 +0000',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await bot?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 820 } });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
  });

  afterEach(async () => {
    await context?.close();
  });

  it('greets, then answers what the user types, with a typing indicator meanwhile', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(bot.url);
    await botSays(page, GREETING);

    await say(page, 'hi there');
    await page.locator('.message--user', { hasText: 'hi there' }).waitFor();
    await botSays(page, 'You said: hi there');
    assert.equal(await page.locator('#message').inputValue(), '');

    await say(page, 'slow');
    await page.locator('#typing').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#typing').textContent().then((t) => t?.trim()), 'The bot is typing…');
    bot.releaseSlow();
    await botSays(page, 'Sorry for the wait.');
    await page.locator('#typing').waitFor({ state: 'hidden' });

    const meta = await page.locator('#conversation-meta').textContent();
    const activities = bot.received.filter((a) => meta?.includes(a.conversationId));
    assert.deepEqual(
      activities.map((a) => a.text ?? a.type),
      ['conversationUpdate', 'hi there', 'slow'],
    );
    assert.ok(activities.every((a) => a.channelId === 'webchat' && a.userId.startsWith('web-')));
    assert.deepEqual(errors, []);
  });

  it('shows suggested actions as buttons that send their value', async () => {
    await page.goto(bot.url);
    await botSays(page, GREETING);
    await say(page, 'menu');
    await botSays(page, 'What would you like to do?');
    const buttons = page.locator('#suggestions button');
    assert.deepEqual(await buttons.allTextContents(), ['Send an SMS', 'Verify my number']);

    await buttons.filter({ hasText: 'Send an SMS' }).click();
    await botSays(page, 'You said: send sms');
    await page.locator('#suggestions').waitFor({ state: 'hidden' });

    await say(page, 'menu');
    await page.locator('#suggestions button', { hasText: 'Verify my number' }).click();
    await botSays(page, 'You said: verify');
    assert.deepEqual(await page.locator('.message--user .message__text').allTextContents(), ['menu', 'send sms', 'menu', 'Verify my number']);

    if (process.env.TVA_CHAT_SCREENSHOT) {
      await say(page, 'menu');
      await botSays(page, 'What would you like to do?');
      await page.locator('.outbox__item').first().waitFor();
      await page.screenshot({ path: process.env.TVA_CHAT_SCREENSHOT });
    }
  });

  it('shows the emulator outbox in dev mode, newest first, and picks up new messages', async () => {
    await page.goto(bot.url);
    await page.locator('#outbox').waitFor({ state: 'visible' });
    await page.locator('.outbox__item', { hasText: '482913' }).waitFor();
    assert.equal(await page.locator('.outbox__item .outbox__code').first().textContent(), '482913');

    bot.outbox.push({
      sid: 'SM00000000000000000000000000000002',
      to: '+14155550101',
      from: '+15005550006',
      channel: 'sms',
      body: 'Your verification code is: 105577',
      date_created: 'Mon, 02 Mar 2026 10:05:00 +0000',
    });
    // The page polls every 2 s.
    await page.locator('.outbox__item', { hasText: '105577' }).waitFor({ timeout: 6000 });
    const bodies = await page.locator('.outbox__item .outbox__body').allTextContents();
    assert.deepEqual(bodies, ['Your verification code is: 105577', 'Your verification code is: 482913']);
    assert.match((await page.locator('.outbox__item').first().textContent()) ?? '', /To \+14155550101 · sms/);
  });

  it('renders bot text as text with safe links and line breaks', async () => {
    await page.goto(bot.url);
    await botSays(page, GREETING);
    await say(page, 'lines');
    const bubble = page.locator('.message--bot', { hasText: 'Line one' });
    await bubble.waitFor();
    assert.equal(await bubble.locator('b').count(), 0, 'bot HTML must not be interpreted');
    assert.match((await bubble.locator('.message__text').textContent()) ?? '', /^Line one\nLine two <b>not bold<\/b>\nDocs: https:\/\/example\.com\/docs\. javascript:alert\(1\)$/);
    const links = bubble.locator('a');
    assert.equal(await links.count(), 1);
    assert.equal(await links.getAttribute('href'), 'https://example.com/docs');
    assert.equal(await links.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await links.getAttribute('target'), '_blank');
    // Line breaks show as separate lines: the bubble is three lines tall.
    const box = await bubble.boundingBox();
    assert.ok(box && box.height > 50, `expected a multi-line bubble, got height ${box?.height}`);
  });

  it('opens the authorization link and resumes the dialog when the page reports success', async () => {
    await page.goto(bot.url);
    await botSays(page, GREETING);
    await say(page, 'auth');
    const link = page.locator('.message--bot a', { hasText: '/auth/fixture-token' });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `${bot.url}/auth/fixture-token`);

    const [authPage] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await authPage.waitForLoadState();
    await botSays(page, 'Thanks, you are authorized. Let us continue.');
    await page.locator('.notice--info', { hasText: 'Authorization completed.' }).waitFor();
    // Both channels (BroadcastChannel and window.opener) delivered the news: the bot hears it once.
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.message--bot', { hasText: 'Thanks, you are authorized.' }).count(), 1);
    const meta = (await page.locator('#conversation-meta').textContent()) ?? '';
    assert.equal(bot.received.filter((a) => a.name === 'authorization/completed' && meta.includes(a.conversationId)).length, 1);
  });

  it('shows a failed turn as one clear line, never the server error, and can try again', async () => {
    await page.goto(bot.url);
    await botSays(page, GREETING);
    await say(page, 'fail');
    const notice = page.locator('.notice--error');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /^The bot failed to answer \(HTTP 500\)\. Try again; if it keeps failing, check the server log\.Try again$/);
    assert.equal(await page.getByText('FixtureHandler').count(), 0);
    await say(page, 'still here?');
    await botSays(page, 'You said: still here?');
  });

  it('says when the bot cannot be reached', async () => {
    await page.goto(bot.url);
    await botSays(page, GREETING);
    await page.route('**/api/messages', (route) => route.abort('connectionrefused'));
    await say(page, 'hello?');
    await page.locator('.notice--error', { hasText: 'Cannot reach the bot. Is the server running (npm start)? Then try again.' }).waitFor();
    await page.unroute('**/api/messages');
    await page.locator('.notice--error button', { hasText: 'Try again' }).click();
    await botSays(page, 'You said: hello?');
    assert.equal(await page.locator('.notice--error').count(), 0);
  });

  it('keeps the user and conversation per browser, and starts a new conversation on request', async () => {
    await page.goto(bot.url);
    await botSays(page, GREETING);
    const first = (await page.locator('#conversation-meta').textContent()) ?? '';
    await page.reload();
    await botSays(page, GREETING);
    assert.equal(await page.locator('#conversation-meta').textContent(), first);

    await say(page, 'hello');
    await botSays(page, 'You said: hello');
    await page.locator('#new-conversation').click();
    await botSays(page, GREETING);
    assert.equal(await page.locator('.message').count(), 1, 'the transcript starts over');
    const second = (await page.locator('#conversation-meta').textContent()) ?? '';
    assert.notEqual(second, first);
    const user = /you are (\S+)/.exec(first)?.[1];
    assert.ok(user);
    assert.ok(second.endsWith(`you are ${user}`));
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(bot.url);
    await botSays(page, GREETING);
    await page.getByRole('button', { name: /^Outbox/ }).waitFor({ state: 'visible' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0);
  });

  for (const [width, height] of [
    [1280, 820],
    [390, 740],
  ] as const) {
    describe(`at ${width} px`, () => {
      beforeEach(async () => {
        await page.setViewportSize({ width, height });
      });

      it('keeps the last bot message in view when suggestion buttons arrive', async () => {
        await page.goto(bot.url);
        await botSays(page, GREETING);
        for (let i = 1; i <= 12; i += 1) {
          await say(page, `line ${i}`);
          await botSays(page, `You said: line ${i}`);
        }
        await say(page, 'menu');
        await page.locator('#suggestions button').first().waitFor();
        const last = page.locator('.message--bot').last();
        assert.match((await last.textContent()) ?? '', /What would you like to do\?/);
        await page.waitForFunction(() => {
          const log = document.getElementById('transcript');
          const bubbles = document.querySelectorAll('.message--bot');
          const bubble = bubbles[bubbles.length - 1];
          if (!log || !bubble) return false;
          return bubble.getBoundingClientRect().bottom <= log.getBoundingClientRect().bottom + 1;
        });
      });

      it('removes suggestion buttons once a newer reply arrives', async () => {
        await page.goto(bot.url);
        await botSays(page, GREETING);
        await say(page, 'menu');
        await page.getByRole('button', { name: 'Send an SMS' }).waitFor();
        // The link page reports success: the bot answers without buttons, so the old ones are stale.
        await page.evaluate(() => window.postMessage({ type: 'tva-auth', status: 'completed' }, window.location.origin));
        await botSays(page, 'Thanks, you are authorized. Let us continue.');
        await page.locator('#suggestions').waitFor({ state: 'hidden' });
        assert.equal(await page.getByRole('button', { name: 'Send an SMS' }).count(), 0);
      });

      it('says the 1,600-character limit under the message box, and when it is reached', async () => {
        await page.goto(bot.url);
        await botSays(page, GREETING);
        const hint = page.locator('#message-hint');
        assert.equal(await hint.textContent(), 'Up to 1,600 characters, the most an SMS holds.');
        assert.ok(await hint.isVisible());
        assert.equal(await page.getByRole('textbox', { name: 'Your message' }).getAttribute('aria-describedby'), 'message-hint');
        await page.locator('#message').pressSequentially('hello');
        assert.equal(await hint.textContent(), '5 / 1,600 characters (the most an SMS holds).');
        await page.locator('#message').fill('x'.repeat(1700));
        assert.equal((await page.locator('#message').inputValue()).length, 1600);
        assert.equal(await hint.textContent(), 'Limit reached: 1,600 characters is the most an SMS holds; the rest was not added.');
        await page.locator('#message').press('Enter');
        await botSays(page, `You said: ${'x'.repeat(1600)}`);
        assert.equal(await hint.textContent(), 'Up to 1,600 characters, the most an SMS holds.');
      });

      it("shows this conversation's deliveries first in a readable outbox", async () => {
        const to = width === 390 ? '+14155550177' : '+14155550166';
        const code = width === 390 ? '771177' : '661166';
        bot.outbox.push({
          sid: `SM0000000000000000000000000000${width === 390 ? '0177' : '0166'}`,
          to,
          from: '+15005550006',
          channel: 'sms',
          body: `Your verification code is: ${code}`,
          date_created: 'Mon, 02 Mar 2026 09:00:00 +0000',
        });
        await page.goto(bot.url);
        await botSays(page, GREETING);
        await say(page, `verify (415) 555-${to.slice(-4)}`);
        await botSays(page, 'You said: verify');
        if (width === 390) {
          // A phone shows the chat or the outbox: the outbox is one tap away and gets the whole height.
          assert.equal(await page.locator('#outbox').isVisible(), false);
          await page.getByRole('button', { name: /^Outbox/ }).click();
          assert.equal(await page.locator('#transcript').isVisible(), false);
        } else {
          assert.equal(await page.getByRole('button', { name: /^Outbox/ }).isVisible(), false);
        }
        const mine = page.locator('.outbox__item--mine', { hasText: code });
        await mine.waitFor({ timeout: 6000 });
        const items = await page.locator('#outbox-list > li').allTextContents();
        assert.equal(items[0], 'This conversation');
        assert.match(items[1] ?? '', new RegExp(code));
        assert.equal(items[2], 'Other conversations');
        const list = await page.locator('#outbox-list').boundingBox();
        assert.ok(list && list.height >= 80, `the outbox list is ${list?.height} px high`);
        const codeBox = await mine.locator('.outbox__code').boundingBox();
        assert.ok(codeBox && codeBox.y >= 0 && codeBox.y + codeBox.height <= height, 'the code is on screen');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0);
        if (width === 390) {
          await page.getByRole('button', { name: 'Chat' }).click();
          await page.locator('#transcript').waitFor({ state: 'visible' });
          assert.equal(await page.locator('#outbox').isVisible(), false);
        }
      });
    });
  }

  describe('outside dev mode', () => {
    let plainBot: ChatWorld;
    before(async () => {
      plainBot = await startWorld({ stack: 'chat', dev: false });
    });
    after(() => plainBot?.close());

    it('has no outbox panel', async () => {
      await page.goto(plainBot.url);
      await botSays(page, GREETING);
      await page.waitForTimeout(200);
      assert.equal(await page.locator('#outbox').isVisible(), false);
    });
  });
});
