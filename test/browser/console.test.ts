/**
 * The admin console (public/admin.html, src/pages/console) in headless Chromium against the REAL server
 * (`startWorld`: `start()` with the emulator in process). One walk, as the issue lists it: sign in (wrong token, then
 * the right one, keyboard only), configure with a wrong Auth Token (Test shows 20003), fix it (Test passes, keyboard
 * only), Enable ("Integration successful"), Explore templates (select two, Install; Upgrade an edited dialog with
 * "Replace my edits"), Go to dialog (Send SMS's nodes),
 * create an auth profile inline and switch to user-authorized, revoke a user's credentials, read the audit log,
 * Disable, Delete with the typed confirmation, sign out. Every page is checked with axe-core at 1280 and 390 px
 * (and in dark mode), and the run ends with a scan for secrets in the pages, storage, URLs and logs.
 *
 * TVA_CONSOLE_SCREENSHOTS=<dir> keeps pictures (console.png: the configured action; console-*.png: the other pages).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { buildSync } from 'esbuild';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ADMIN_TOKEN, authLinkOf, openAuthPage, submitAuthPage } from '../support/http';
import { ALICE_PHONE, findLeaks, startWorld, textOf, type World } from '../support/world';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const browserMissing = !existsSync(CHROMIUM);
const runningInCi = Boolean(process.env.CI);
const skipReason = browserMissing && !runningInCi ? ` (skipped: ${CHROMIUM} is missing; apt-get install -y chromium)` : '';
const WRONG_TOKEN = '0'.repeat(32);
const SHOTS = process.env.TVA_CONSOLE_SCREENSHOTS;

describe('the admin console bundle', () => {
  it('builds for the browser from src/pages/console with Preact and no Node-only or server module', () => {
    const result = buildSync({
      entryPoints: [path.resolve(__dirname, '../../src/pages/console/main.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    assert.deepEqual(result.errors, []);
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.some((f) => f.includes('node_modules/preact/')), inputs.join(', '));
    const ours = inputs.filter((f) => !f.includes('node_modules/preact/'));
    const allowed = (f: string) => f.startsWith('src/pages/console/') || f === 'src/definition/templates.ts';
    assert.deepEqual(ours.filter((f) => !allowed(f)), [], 'only the console and import-type-only server types');
    assert.ok(inputs.every((f) => !f.startsWith('node:')), inputs.join(', '));
  });
});

/** Presses Tab until `target` has the focus: the way a keyboard-only admin gets there. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

interface Run {
  page: Page;
  world: World;
  base: string;
  /** Every page's HTML and every URL seen, for the secrets scan. */
  seen: string[];
  consoleLines: string[];
}

/** axe-core at 1280 and 390 px: no serious or critical violation, no sideways scrolling on a phone. */
async function checkPage(run: Run, name: string): Promise<void> {
  const { page } = run;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
    assert.deepEqual(bad, [], `${name} at ${width} px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow} px at ${width} px`);
    if (SHOTS && width === 390) await page.screenshot({ path: path.join(SHOTS, `console-${name.replace(/\W+/g, '-')}-390.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  run.seen.push(page.url(), await page.content());
  if (SHOTS && name !== 'configured action') await page.screenshot({ path: path.join(SHOTS, `console-${name.replace(/\W+/g, '-')}.png`), fullPage: true });
}

async function go(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}

/** An end user authorizes with their own Account SID and Auth Token through the link page (user-authorized). */
async function userAuthorizes(world: World, userId: string): Promise<void> {
  const user = world.client(userId);
  await user.say('send an sms');
  await user.say(ALICE_PHONE);
  const link = authLinkOf(textOf(await user.say('Sent once I authorized.')));
  assert.ok(link, 'the bot sends the authorization link');
  const form = await openAuthPage(link);
  assert.ok(form.csrf);
  const done = await submitAuthPage(link, { csrf: form.csrf, accountSid: world.emulator.accountSid, authToken: world.emulator.authToken });
  assert.equal(done.status, 200, done.html);
}

async function walk(run: Run): Promise<void> {
  const { page, world } = run;
  const { emulator } = world;
  const emulatorUrl = emulator.url;
  assert.ok(emulatorUrl, 'the emulator listens');
  // Start from an action nobody configured (the zero-config start enabled it with the emulator).
  const reset = await world.admin('DELETE', '/api/admin/action', { confirm: 'twilio-verify' });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));

  // Sign in: a wrong token is refused next to the field; the right one signs in. Keyboard only.
  await page.goto(`${run.base}/admin`);
  const tokenField = page.getByLabel('Admin token');
  await tokenField.waitFor();
  await checkPage(run, 'sign in');
  await tabTo(page, tokenField);
  await page.keyboard.type('not-the-admin-token-at-all');
  await page.keyboard.press('Enter');
  await page.getByText('That token is not the admin token.').waitFor();
  assert.equal(await tokenField.getAttribute('aria-invalid'), 'true');
  await tokenField.focus();
  await page.keyboard.type(ADMIN_TOKEN);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Actions', level: 1 }).waitFor();

  // The Actions page: the action is Available.
  const available = page.getByRole('region', { name: 'Available' });
  const configured = page.getByRole('region', { name: 'Configured' });
  await available.getByText('State: available').waitFor();
  await checkPage(run, 'actions');

  // Configure with a wrong Auth Token: Test shows Twilio's 20003 beside the fields.
  await tabTo(page, available.getByRole('button', { name: 'Configure' }));
  await page.keyboard.press('Enter');
  await page.getByRole('tab', { name: 'Authorization' }).waitFor();
  await page.getByLabel('Account SID', { exact: true }).fill(emulator.accountSid);
  await page.getByLabel('Auth Token', { exact: true }).fill(WRONG_TOKEN);
  await page.getByLabel('Base URL', { exact: true }).fill(emulatorUrl);
  await page.getByRole('button', { name: 'Test' }).click();
  await page.getByRole('status').filter({ hasText: 'Twilio error 20003' }).waitFor();
  assert.equal(await page.getByLabel('Auth Token', { exact: true }).inputValue(), '', 'the secret field is emptied once saved');
  await page.getByText(/Stored: …0000/).waitFor();
  await checkPage(run, 'configure authorization');

  // Enable refuses while the test fails.
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.getByRole('alert').filter({ hasText: 'Not enabled: the test fails with Twilio error 20003' }).waitFor();

  // Fix it and Test, keyboard only: Test passes.
  await tabTo(page, page.getByLabel('Auth Token', { exact: true }));
  await page.keyboard.type(emulator.authToken);
  await tabTo(page, page.getByRole('button', { name: 'Test' }));
  await page.keyboard.press('Enter');
  await page.getByText('Test passed').waitFor();

  // The Configuration tab: a Verify Service from the account's list, a sender, a template with a live preview.
  await page.getByRole('tab', { name: 'Authorization' }).focus();
  await page.keyboard.press('ArrowRight');
  await page.getByLabel('Default sender').waitFor();
  const serviceSelect = page.getByRole('combobox', { name: 'Verify Service', exact: true });
  await serviceSelect.locator('option').nth(1).waitFor({ state: 'attached' });
  const firstService = await serviceSelect.locator('option').nth(1).getAttribute('value');
  assert.ok(firstService);
  await page.getByLabel('New service name').fill('Console walk');
  await page.getByRole('button', { name: 'Create service' }).click();
  await serviceSelect.locator('option', { hasText: 'Console walk' }).waitFor({ state: 'attached' });
  assert.match(await page.getByLabel('Verify Service SID').inputValue(), /^VA[0-9a-fA-F]{32}$/);
  await serviceSelect.selectOption(firstService);
  await page.getByLabel('Default sender').fill('+15005550006');
  await page.getByLabel('Sign-in message').fill('Your ACME sign-in code: {{code}}');
  await page.getByText('Preview: Your ACME sign-in code: 482913').waitFor();
  await page.getByRole('button', { name: 'Save configuration' }).click();
  await page.getByText('Configuration saved.').waitFor();
  await checkPage(run, 'configure configuration');

  // Enable, keyboard only: the first successful enable says "Integration successful".
  await tabTo(page, page.getByRole('button', { name: 'Enable' }));
  await page.keyboard.press('Enter');
  const success = page.getByRole('dialog', { name: 'Integration successful' });
  await success.waitFor();
  await configured.getByText('State: configured').waitFor();
  await checkPage(run, 'integration successful');
  await success.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Close configuration' }).click();
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'console.png') });
  await page.getByRole('button', { name: 'Configure' }).click();
  await page.getByRole('button', { name: 'Enable' }).or(page.getByRole('button', { name: 'Disable' })).first().waitFor();

  // Explore templates (from the dialog's button): select two, Install.
  await page.getByRole('button', { name: 'Explore templates' }).click();
  await page.getByRole('heading', { name: 'Explore templates' }).waitFor();
  const templates = page.getByRole('list', { name: 'Templates' });
  await templates.getByText('Required').first().waitFor();
  const picks = ['Cancel Verification', 'Verification Status'];
  for (const name of picks) await page.getByRole('checkbox', { name }).check();
  await page.getByText('2 selected').waitFor();
  await page.getByRole('button', { name: 'Install', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Installed cancel-verification' }).waitFor();
  for (const name of picks) await page.getByRole('link', { name: `Go to dialog ${name}` }).waitFor();
  await checkPage(run, 'templates');

  // Upgrade on an edited dialog with no newer template: nothing to upgrade, the edits stay (a newer template with
  // edits gives the conflict report: test/templates/routes.test.ts).
  const cancelFile = path.join(world.dialogsDir, 'cancel-verification.json');
  await writeFile(cancelFile, (await readFile(cancelFile, 'utf8')).replace('is canceled, and its code no longer works.', 'is canceled.'));
  await go(page, 'Actions');
  await go(page, 'Templates');
  await page.getByRole('button', { name: 'Upgrade Cancel Verification' }).click();
  await page.getByRole('status').filter({ hasText: 'Nothing to upgrade: cancel-verification was edited' }).waitFor();
  await checkPage(run, 'upgrade with nothing newer');
  assert.doesNotMatch(await readFile(cancelFile, 'utf8'), /is canceled, and its code no longer works\./);

  // Go to dialog: Send SMS drawn as a graph, each node with what it does.
  await page.getByRole('link', { name: 'Go to dialog Send SMS' }).click();
  await page.getByRole('heading', { name: 'Send SMS', level: 1 }).waitFor();
  const nodes = page.getByRole('list', { name: 'Nodes' });
  await nodes.getByText('Which phone number should I text?').waitFor();
  for (const type of ['intent', 'entity', 'service', 'message']) assert.ok((await nodes.locator(`.node--${type}`).count()) > 0, `a ${type} node`);
  assert.match((await nodes.textContent()) ?? '', /sendSms|send_sms|sms/i);
  await page.getByRole('img', { name: /Graph of \d+ nodes and \d+ transitions/ }).waitFor();
  await checkPage(run, 'dialog');

  // An end user in the chat page sends an SMS through the dialogs and the action the console set up.
  const chat = await page.context().newPage();
  await chat.goto(world.url);
  await chat.locator('.message--bot .message__text', { hasText: 'I can help you with' }).last().waitFor();
  for (const text of ['send an sms', ALICE_PHONE, 'Hello from the console walk.']) {
    await chat.locator('#message').fill(text);
    await chat.locator('#message').press('Enter');
    await chat.locator('.message--user', { hasText: text }).last().waitFor();
  }
  await chat.locator('.message--bot .message__text', { hasText: /your message to \+14155550123 is on its way/ }).waitFor();
  assert.ok(emulator.outbox().some((m) => m.to === ALICE_PHONE && m.body === 'Hello from the console walk.'));
  await chat.close();

  // Create an auth profile inline and switch to user-authorized.
  await go(page, 'Actions');
  await page.getByRole('button', { name: 'Configure' }).click();
  await page.getByRole('radio', { name: /User-authorized/ }).check();
  await page.getByRole('button', { name: 'Create new' }).click();
  await page.getByLabel('Profile name').fill('own-account');
  await page.getByLabel('Description').fill('Your own Twilio account');
  await page.getByLabel('Profile Base URL').fill(emulatorUrl);
  await page.getByRole('button', { name: 'Create profile' }).click();
  await page.getByRole('combobox', { name: 'Auth profile' }).locator('option:checked', { hasText: 'own-account' }).waitFor({ state: 'attached' });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Authorization saved.').waitFor();
  await page.getByText('User-authorized with auth profile own-account').waitFor();
  await checkPage(run, 'configure user-authorized');

  // Auth profiles page lists it.
  await go(page, 'Auth profiles');
  await page.getByRole('heading', { name: 'own-account' }).waitFor();
  await checkPage(run, 'auth profiles');

  // An end user authorizes; the admin revokes their credentials (masked on the page).
  await userAuthorizes(world, 'console-user');
  await go(page, 'Users');
  let revoke = page.getByRole('button', { name: 'Revoke console-user' });
  if (!(await revoke.isVisible())) {
    await page.getByLabel('Channel id').fill('webchat');
    await page.getByLabel('User id').fill('console-user');
    await page.getByRole('button', { name: 'Find' }).click();
    revoke = page.getByRole('button', { name: 'Revoke console-user' });
  }
  await revoke.waitFor();
  // The list shows the Account SID masked (…1234), the lookup in full: either ends with the same four characters.
  await page.getByRole('cell', { name: new RegExp(`${emulator.accountSid.slice(-4)}$`) }).first().waitFor();
  await checkPage(run, 'users');
  await revoke.click();
  const confirmRevoke = page.getByRole('dialog', { name: /Revoke console-user/ });
  await confirmRevoke.getByLabel('Type console-user to confirm').fill('console-user');
  await confirmRevoke.getByRole('button', { name: 'Revoke' }).click();
  await page.getByText("Revoked console-user's credentials.").waitFor();
  const gone = await world.admin('GET', '/api/admin/users/webchat/console-user/credentials');
  assert.equal(gone.status, 404);

  // The audit log: newest first, filter by action.
  await go(page, 'Audit log');
  const rows = page.locator('tbody tr');
  await rows.first().waitFor();
  assert.match((await rows.first().textContent()) ?? '', /credentials\.revoke|credentials\.delete|revoke/);
  await page.getByLabel('Filter by action').selectOption('action.enable');
  const filtered = await page.locator('tbody tr td:nth-child(2)').allTextContents();
  assert.ok(filtered.length >= 2 && filtered.every((a) => a === 'action.enable'), filtered.join(', '));
  await checkPage(run, 'audit log');

  // Disable, then Delete with the typed confirmation.
  await go(page, 'Actions');
  await page.getByRole('button', { name: 'Disable' }).click();
  await page.getByText('State: disabled').waitFor();
  await page.getByRole('button', { name: 'Delete' }).click();
  const confirmDelete = page.getByRole('dialog', { name: 'Delete Twilio Verify?' });
  await confirmDelete.getByRole('button', { name: 'Delete' }).click();
  await confirmDelete.getByText('Type twilio-verify exactly').waitFor();
  await checkPage(run, 'delete confirmation');
  await confirmDelete.getByLabel('Type twilio-verify to confirm').fill('twilio-verify');
  await confirmDelete.getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Deleted: every stored credential is erased.').waitFor();
  await page.getByRole('region', { name: 'Available' }).getByText('State: available').waitFor();

  // Light and dark.
  await page.emulateMedia({ colorScheme: 'dark' });
  await checkPage(run, 'actions dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Sign out.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  await page.getByLabel('Admin token').waitFor();
  await page.reload();
  await page.getByLabel('Admin token').waitFor();

  // Nothing secret in the pages, storage, URLs, the browser console or the server's logs and files.
  const storage = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
  const cookies = await page.context().cookies();
  assert.ok(cookies.every((c) => c.httpOnly), 'session cookies are HttpOnly');
  const haystack = [...run.seen, storage, ...run.consoleLines].join('\n');
  for (const secret of [ADMIN_TOKEN, emulator.authToken, WRONG_TOKEN]) assert.ok(!haystack.includes(secret), `a secret ends …${secret.slice(-4)} leaked into the page`);
  assert.deepEqual(await findLeaks(world, { secrets: [ADMIN_TOKEN, emulator.authToken, WRONG_TOKEN] }), []);
}

describe(`the admin console in headless Chromium${skipReason}`, function () {
  this.timeout(180_000);
  let browser: Browser;
  let world: World | undefined;

  before(async function () {
    if (browserMissing) {
      if (!runningInCi) this.skip();
      assert.fail(`${CHROMIUM} is missing and CI is set: the console must be tested in a real browser (apt-get install -y chromium)`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  async function runWalk(base: (w: World) => Promise<string>): Promise<void> {
    assert.ok(world);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const run: Run = { page, world, base: await base(world), seen: [], consoleLines: [] };
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      run.consoleLines.push(msg.text());
      if (msg.type() === 'error' && !/status of 40[19]/.test(msg.text())) errors.push(msg.text());
    });
    page.on('framenavigated', (frame) => run.seen.push(frame.url()));
    try {
      await walk(run);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  }

  it('walks an admin through the console on the real server', async () => {
    world = await startWorld({ dialogs: 'empty' });
    await runWalk(async (w) => w.url);
  });
});
