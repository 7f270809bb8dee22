// The portal end to end, in real Chromium against the real built Central (child process, SQLite; also
// PostgreSQL when TESSERA_TEST_DATABASE_URL is set) and the real `tessera` CLI and agent: an ISV admin
// creates a product and an order; a customer redeems a ticket with files and another online through the
// agent; a second customer sees neither, in the UI or the API. Every page is checked for console errors and
// with axe-core, and screenshots land in test-results/screenshots/.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  type Central,
  startCentral,
} from '../../server/test/support/central-process.js';
import {
  axeViolations,
  chromiumAvailable,
  type Expected,
  launchChromium,
  openSession,
  type Problem,
  screenshot,
  TABLET,
  type UserSession,
  unexpectedProblems,
} from './support/browser.js';

const TESSERA = fileURLToPath(new URL('../../runtime/bin/tessera.js', import.meta.url));
const PASSWORD = 'portal-e2e-password-1';
const FIRM_CODE = 6_100_042;

const run = promisify(execFile);

/** The tessera CLI with its own container store. */
const tessera = async (home: string, ...args: string[]): Promise<string> => {
  const { stdout } = await run(process.execPath, [TESSERA, '--home', home, ...args], { timeout: 30_000 });
  return stdout;
};

/** `tessera agent --port 0`: resolves once it prints the URL it listens on. */
const startAgent = (home: string, origin: string): Promise<{ url: string; child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [TESSERA, '--home', home, 'agent', '--port', '0', '--allow-origin', origin],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tessera agent did not start: ${out}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tessera agent exited (${code}): ${out}`));
    });
  });

const stopChild = async (child: ChildProcess | undefined): Promise<void> => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
};

/** Chooses an option of a Mantine Select by its label. */
const choose = async (page: Page, label: string | RegExp, option: string | RegExp): Promise<void> => {
  await page.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option }).first().click();
};

const signIn = async (page: Page, base: string, email: string, password: string): Promise<void> => {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-menu').waitFor();
};

const expectAccessible = async (page: Page, name: string): Promise<void> => {
  const violations = await axeViolations(page);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${name}: ${JSON.stringify(serious, null, 1)}`).toEqual([]);
};

/** A 401 from GET /me before sign-in, and the probe of an agent that is not running, are handled on purpose. */
const expectedNetworkNoise: Expected = (problem: Problem) =>
  problem.kind === 'console' &&
  /Failed to load resource/.test(problem.text) &&
  ((/status of 401/.test(problem.text) && /\/api\/v1\/me$/.test(problem.url)) ||
    /:22350\/v1\/status$/.test(problem.url) ||
    /ERR_CONNECTION_REFUSED/.test(problem.text));

const dialects: ('sqlite' | 'postgres')[] = process.env.TESSERA_TEST_DATABASE_URL
  ? ['sqlite', 'postgres']
  : ['sqlite'];

describe.skipIf(!chromiumAvailable)('portal in Chromium (skipped when /usr/bin/chromium is missing)', () => {
  describe.each(dialects)('on %s', (dialect) => {
    let central: Central;
    let browser: Browser;
    let work: string;
    let agentChild: ChildProcess | undefined;
    let agentUrl = '';
    const sessions: UserSession[] = [];
    const ids = { rootGroupId: '', groupA: '', groupB: '' };
    const codes: string[] = [];
    const shot = (page: Page, name: string, fullPage = true) =>
      dialect === 'sqlite' ? screenshot(page, name, fullPage) : Promise.resolve();

    const session = async (viewport?: { width: number; height: number }) => {
      const opened = await openSession(browser, viewport);
      sessions.push(opened);
      return opened;
    };

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'tessera-portal-e2e-'));
      central = await startCentral(dialect);
      browser = await launchChromium();
      const me = await central.api<{ memberships: { groupId: string }[] }>('GET', '/api/v1/me');
      ids.rootGroupId = me.memberships[0]?.groupId ?? '';
      await central.api('POST', '/api/v1/firm-codes', { firmCode: FIRM_CODE, name: 'Portal E2E' }, 201);
      for (const [key, name] of [
        ['groupA', 'Contoso Labs'],
        ['groupB', 'Fabrikam Tools'],
      ] as const) {
        const group = await central.api<{ id: string }>(
          'POST',
          '/api/v1/groups',
          { parentId: ids.rootGroupId, name, kind: 'customer' },
          201,
        );
        ids[key] = group.id;
      }
    }, 90_000);

    afterEach(async (context) => {
      // A failed test leaves a picture of every open page, to see what the user saw.
      if (context.task.result?.state !== 'fail') return;
      for (const [index, s] of sessions.entries()) {
        if (!s.page.isClosed())
          await screenshot(s.page, `failed-${context.task.name.slice(0, 40)}-${index}`, false).catch(
            () => {},
          );
        if (s.problems.length > 0) console.error(context.task.name, s.problems);
      }
    });

    afterAll(async () => {
      await stopChild(agentChild);
      for (const s of sessions) await s.context.close().catch(() => {});
      await browser?.close().catch(() => {});
      await central?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    }, 60_000);

    it('lets an ISV admin sign in and create a product and an order in the UI', async () => {
      const admin = await session();
      const { page } = admin;
      await page.goto(`${central.url}/`);
      await page.getByLabel('E-mail address').waitFor();
      await shot(page, 'sign-in', false);
      await expectAccessible(page, 'sign-in');
      await signIn(page, central.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.getByRole('link', { name: 'Products' }).waitFor();

      await page.getByRole('link', { name: 'Products' }).click();
      await page.getByText('No products yet').waitFor();
      await page.getByRole('link', { name: 'New product' }).click();
      await page.getByLabel('SKU').fill('E2E-PRO');
      await page.getByRole('textbox', { name: 'Name' }).fill('E2E Pro');
      await choose(page, 'Firm code', /6100042/);
      await page.getByRole('textbox', { name: 'Product code' }).fill('77');
      for (const bit of [0, 1, 3])
        await page.getByRole('checkbox', { name: `Feature bit ${bit}`, exact: true }).check();
      expect(await page.getByLabel('Feature map (hexadecimal or decimal)').inputValue()).toBe('0x0000000B');
      await page.getByRole('radio', { name: 'Days after activation' }).check();
      await page.getByRole('textbox', { name: 'Expires days after activation' }).fill('400');
      // The browser refuses what the API would refuse, next to the field.
      await page.getByRole('textbox', { name: 'Text', exact: true }).fill('x'.repeat(257));
      await page.getByRole('button', { name: 'Create product' }).click();
      await page.getByText('At most 256 characters.', { exact: true }).waitFor();
      await page.getByRole('textbox', { name: 'Text', exact: true }).fill('Licensed by the portal e2e test');
      await page.getByRole('checkbox', { name: 'Expires days after activation' }).check();
      await shot(page, 'product-new');
      await expectAccessible(page, 'product form');
      await page.getByRole('button', { name: 'Create product' }).click();
      await page.getByText('Product E2E-PRO created.').waitFor();
      await page.getByRole('heading', { name: 'Product E2E-PRO' }).waitFor();

      // A second product with the same SKU: the API's problem lands next to the field as a sentence.
      await page.goto(`${central.url}/products/new`);
      await page.getByLabel('SKU').fill('E2E-PRO');
      await page.getByRole('textbox', { name: 'Name' }).fill('Duplicate');
      await choose(page, 'Firm code', /6100042/);
      await page.getByRole('textbox', { name: 'Product code' }).fill('78');
      await page.getByRole('button', { name: 'Create product' }).click();
      await page.getByText('A product with SKU "E2E-PRO" already exists.').waitFor();

      await page.getByRole('link', { name: 'Orders' }).click();
      await page.getByRole('link', { name: 'New order' }).click();
      await choose(page, 'Customer', 'Contoso Labs');
      await page.getByLabel('Order id (ERP)').fill('PO-4711');
      await choose(page, 'Product', /E2E-PRO/);
      await page.getByRole('textbox', { name: 'Quantity' }).fill('2');
      await page.getByRole('textbox', { name: 'Expires days after activation' }).fill('365');
      await shot(page, 'order-new');
      await page.getByRole('button', { name: 'Create order' }).click();
      await page.getByText('Order created with 2 tickets.').waitFor();
      const ticketLinks = page.getByTestId('order-tickets').getByRole('link');
      await expect.poll(() => ticketLinks.count()).toBe(2);
      for (const link of await ticketLinks.all()) codes.push((await link.textContent())?.trim() ?? '');
      expect(codes.every((code) => /^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/.test(code))).toBe(true);
      await shot(page, 'order-detail');

      await page.getByRole('link', { name: 'Orders' }).click();
      await page.getByLabel('Order id (ERP)').fill('PO-4711');
      await page.getByRole('link', { name: 'Tickets of order PO-4711' }).waitFor();
      await page.getByLabel('Order id (ERP)').fill('PO-0000');
      await page.getByText('No order matches these filters').waitFor();
      await shot(page, 'orders-empty-filter', false);
      const duplicateSku: Expected = (p) =>
        expectedNetworkNoise(p) || (/status of 409/.test(p.text) && p.url.endsWith('/api/v1/products'));
      expect(unexpectedProblems(admin, duplicateSku)).toEqual([]);
    }, 120_000);

    it('lets a customer accept an invitation, redeem a ticket with files and see the license confirmed', async () => {
      const invitation = await central.api<{ link: string }>(
        'POST',
        '/api/v1/invitations',
        { groupId: ids.groupA, email: 'alice@contoso.example', role: 'admin' },
        201,
      );
      const customer = await session();
      const { page } = customer;
      await page.goto(`${central.url}${new URL(invitation.link).pathname}${new URL(invitation.link).search}`);
      await page.getByLabel('Your name').fill('Alice Contoso');
      await page.getByLabel(/^Password/).fill(PASSWORD);
      await page.getByLabel('Repeat the password').fill(PASSWORD);
      await shot(page, 'set-password', false);
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('Your password is set.').waitFor();
      await signIn(page, central.url, 'alice@contoso.example', PASSWORD);

      await page.waitForURL(/\/my-tickets$/);
      expect(await page.getByRole('link', { name: 'Products' }).count()).toBe(0);
      await page.getByTestId('my-tickets').getByRole('link', { name: codes[0], exact: true }).waitFor();
      await shot(page, 'my-tickets');
      await expectAccessible(page, 'my tickets');

      const home = join(work, 'files-home');
      const serial = JSON.parse(await tessera(home, '--json', 'container', 'create', '--type', 'portable'))
        .serial as string;
      const request = join(work, 'request.tctx');
      await tessera(home, 'context', serial, '-o', request);

      await page.getByRole('link', { name: codes[0], exact: true }).click();
      await page.getByRole('tab', { name: 'Activate' }).waitFor();
      await page.getByTestId('context-drop').locator('input[type=file]').setInputFiles(request);
      await page.getByText('Chosen: request.tctx').waitFor();
      await page.getByRole('button', { name: 'Activate and create the update' }).click();
      const downloadButton = page.getByRole('link', {
        name: new RegExp(`Download update-${serial}-${FIRM_CODE}\\.tupd`),
      });
      await downloadButton.waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
      const updateFile = join(work, download.suggestedFilename());
      await download.saveAs(updateFile);
      expect(readFileSync(updateFile, 'utf8')).toContain('BEGIN TESSERA UPDATE');
      await shot(page, 'redeem-files-update');

      await tessera(home, 'update', 'import', updateFile);
      const receipt = join(work, 'receipt.tctx');
      await tessera(home, 'context', serial, '-o', receipt);
      await page.getByTestId('receipt-drop').locator('input[type=file]').setInputFiles(receipt);
      await page.getByText(`Central has the receipt from container ${serial}.`).waitFor();
      const row = page.getByTestId('ticket-licenses').locator('tbody tr').first();
      await expect.poll(() => row.locator('[data-state]').getAttribute('data-state')).toBe('confirmed');
      expect(await row.textContent()).toContain(serial);
      await shot(page, 'redeem-files-confirmed');
      await expectAccessible(page, 'redeem page');

      // The license works in the container: the CLI sees it.
      expect(await tessera(home, 'license', 'list', '--serial', serial)).toContain('77');
      expect(unexpectedProblems(customer, expectedNetworkNoise)).toEqual([]);
    }, 120_000);

    it('redeems a ticket online through tessera agent, without files', async () => {
      const agentHome = join(work, 'agent-home');
      const agent = await startAgent(agentHome, central.url);
      agentChild = agent.child;
      agentUrl = agent.url;

      const customer = await session();
      const { page } = customer;
      await signIn(page, central.url, 'alice@contoso.example', PASSWORD);
      await page.goto(`${central.url}/my-tickets/${codes[1]}`);
      await page.getByText('Online with tessera agent').click();
      // No agent on the default port: the page says how to start one for this portal.
      await page.getByText('No agent found').waitFor();
      expect(await page.getByLabel('agent command', { exact: true }).textContent()).toContain(
        `tessera agent --allow-origin ${central.url}`,
      );
      await shot(page, 'redeem-agent-missing');

      await page.getByLabel('Agent address').fill(agent.url);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByText('Connected to tessera agent').waitFor();
      await page.getByRole('button', { name: 'New container' }).click();
      await page.getByRole('menuitem', { name: /Machine container/ }).click();
      const created = page.getByRole('radio', { name: /^130-/ });
      await expect.poll(() => created.isChecked()).toBe(true);
      const serial = (await created.getAttribute('value')) ?? '';
      expect(serial).toMatch(/^130-/);
      await page.getByRole('button', { name: 'Activate online' }).click();
      await page.getByText('Central has the receipt from container').waitFor({ timeout: 30_000 });
      const row = page.getByTestId('ticket-licenses').locator('tbody tr').first();
      await expect.poll(() => row.locator('[data-state]').getAttribute('data-state')).toBe('confirmed');
      await shot(page, 'redeem-agent-confirmed');

      expect(await tessera(agentHome, 'license', 'list', '--serial', serial)).toContain('77');

      // Returning it online works the same way and leaves the license returned.
      await page.getByRole('tab', { name: 'Return' }).click();
      await page.getByRole('checkbox', { name: /E2E Pro/ }).check();
      await page.getByText('Online with tessera agent').click();
      await page.getByRole('radio', { name: serial }).check();
      await page.getByRole('button', { name: 'Return online' }).click();
      await page.getByText('Central has the receipt from container').waitFor({ timeout: 30_000 });
      await expect.poll(() => row.locator('[data-state]').getAttribute('data-state')).toBe('returned');
      expect(unexpectedProblems(customer, expectedNetworkNoise)).toEqual([]);
    }, 120_000);

    it('moves a lost container’s license into a new container online, within the policy', async () => {
      const customer = await session();
      const { page } = customer;
      await signIn(page, central.url, 'alice@contoso.example', PASSWORD);
      await page.goto(`${central.url}/my-tickets/${codes[0]}`);
      const row = page.getByTestId('ticket-licenses').locator('tbody tr').first();
      const lostSerial = ((await row.locator('td').nth(3).textContent()) ?? '').trim();
      expect(lostSerial).toMatch(/^3-/);
      await page.getByRole('tab', { name: 'Lost container' }).click();
      await choose(page, 'Lost container', lostSerial);
      await page.getByText('Online with tessera agent').click();
      await page.getByLabel('Agent address').fill(agentUrl);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByText('Connected to tessera agent').waitFor();
      await page.getByRole('button', { name: 'New container' }).click();
      await page.getByRole('menuitem', { name: /Portable container/ }).click();
      const replacement = page.getByRole('radio', { name: /portable/ });
      await expect.poll(() => replacement.isChecked()).toBe(true);
      const newSerial = (await replacement.getAttribute('value')) ?? '';
      await page.getByRole('button', { name: 'Reactivate online' }).click();
      await page.getByText(`Central has the receipt from container`).waitFor({ timeout: 30_000 });
      await expect.poll(async () => (await row.textContent()) ?? '').toContain(newSerial);
      expect(await row.locator('td').nth(4).textContent()).toBe('2');
      await shot(page, 'redeem-reactivated');
      expect(unexpectedProblems(customer, expectedNetworkNoise)).toEqual([]);
    }, 90_000);

    it("keeps another customer's tickets out of sight, in the UI and in the API", async () => {
      const invitation = await central.api<{ token: string }>(
        'POST',
        '/api/v1/invitations',
        { groupId: ids.groupB, email: 'bob@fabrikam.example', role: 'admin' },
        201,
      );
      const accept = await fetch(`${central.url}/api/v1/invitations/accept`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: invitation.token, password: PASSWORD }),
      });
      expect(accept.ok).toBe(true);

      const other = await session(TABLET);
      const { page } = other;
      await signIn(page, central.url, 'bob@fabrikam.example', PASSWORD);
      await page.getByText('No tickets for you yet').waitFor();
      await shot(page, 'tablet-my-tickets-empty');
      await page.goto(`${central.url}/my-tickets/${codes[0]}`);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(
        'No ticket with this code exists or is visible to you.',
      );
      await shot(page, 'tablet-foreign-ticket');

      const api = await page.evaluate(async (code) => {
        const one = await fetch(`/api/v1/tickets/${code}`);
        const list = (await (await fetch('/api/v1/tickets')).json()) as { items: unknown[] };
        return { status: one.status, items: list.items.length };
      }, codes[0] ?? '');
      expect(api).toEqual({ status: 404, items: 0 });
      const foreignTicket404: Expected = (p) =>
        expectedNetworkNoise(p) || (/status of 404/.test(p.text) && p.url.includes('/api/v1/tickets/'));
      expect(unexpectedProblems(other, foreignTicket404)).toEqual([]);
    }, 90_000);

    it('shows the vendor pages finished at laptop and tablet size', async () => {
      const admin = await session();
      const { page } = admin;
      await signIn(page, central.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      const pages: [string, string, string | RegExp][] = [
        ['tickets', '/tickets', codes[0] ?? ''],
        ['ticket-detail', `/tickets/${codes[0]}`, 'History of'],
        ['products', '/products', 'E2E-PRO'],
        ['firm-codes', '/firm-codes', 'Portal E2E'],
        ['containers', '/containers', /^3-/],
        ['reports', '/reports', 'Activations per day'],
        ['settings', '/settings', 'Default policies'],
        ['users-and-groups', '/admin/groups', 'Members'],
        ['api-tokens', '/admin/api-tokens', 'Token starts with'],
        ['webhooks', '/admin/webhooks', 'No webhooks'],
        ['audit-log', '/admin/audit', 'license.activated'],
      ];
      for (const [name, path, marker] of pages) {
        await page.goto(`${central.url}${path}`);
        await page.getByText(marker).first().waitFor();
        await shot(page, name);
        await expectAccessible(page, name);
      }
      await page.goto(`${central.url}/containers`);
      await page.getByRole('link', { name: /^3-/ }).first().click();
      await page.getByText('Firm items').waitFor();
      await shot(page, 'container-detail');

      const tablet = await session(TABLET);
      await signIn(tablet.page, central.url, ADMIN_EMAIL, ADMIN_PASSWORD);
      for (const [name, path, marker] of [
        ['tablet-tickets', '/tickets', codes[0] ?? ''],
        ['tablet-product', '/products', 'E2E-PRO'],
      ] as const) {
        await tablet.page.goto(`${central.url}${path}`);
        await tablet.page.getByText(marker).first().waitFor();
        await shot(tablet.page, name);
      }
      await tablet.page.getByRole('button', { name: 'Toggle navigation' }).click();
      await tablet.page.getByRole('link', { name: 'Orders' }).waitFor();
      await shot(tablet.page, 'tablet-navigation', false);
      expect(unexpectedProblems(admin, expectedNetworkNoise)).toEqual([]);
      expect(unexpectedProblems(tablet, expectedNetworkNoise)).toEqual([]);
    }, 150_000);

    it('sends the user back to sign-in with a sentence when the session ends', async () => {
      const customer = await session();
      const { page, context } = customer;
      await signIn(page, central.url, 'alice@contoso.example', PASSWORD);
      await page.getByRole('link', { name: codes[0], exact: true }).waitFor();
      await context.clearCookies();
      await page.getByRole('link', { name: codes[0], exact: true }).click();
      await page.getByText('Your session expired.').waitFor();
      await page.waitForURL(/\/sign-in\?expired=1&next=/);
      // Keyboard only: the e-mail field has focus, Tab moves on, Enter submits.
      await page.keyboard.type('alice@contoso.example');
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`/my-tickets/${codes[0]}$`));
      const expired401: Expected = (p) => expectedNetworkNoise(p) || /status of 401/.test(p.text);
      expect(unexpectedProblems(customer, expired401)).toEqual([]);
      writeFileSync(join(work, 'done'), 'ok');
    }, 60_000);
  });
});
