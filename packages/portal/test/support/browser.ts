// Debian's Chromium driven by playwright-core for the portal's end-to-end tests: loopback only, a fresh
// context per user, every console error and page error collected (the tests fail on them), axe-core for
// accessibility, and screenshots written to test-results/screenshots/ (never committed).

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);

export const SCREENSHOTS = fileURLToPath(new URL('../../../../test-results/screenshots/', import.meta.url));

export const LAPTOP = { width: 1366, height: 768 };
export const TABLET = { width: 768, height: 1024 };

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
    timeout: 30_000,
  });

export interface Problem {
  kind: 'console' | 'pageerror';
  text: string;
  url: string;
}

/**
 * Network failures the browser reports as console errors although the app handles them on purpose: the
 * signed-out probe of GET /me (401), and probing a tessera agent that is not running. Anything else fails.
 */
export type Expected = (problem: Problem) => boolean;

export interface UserSession {
  context: BrowserContext;
  page: Page;
  problems: Problem[];
}

export const openSession = async (browser: Browser, viewport = LAPTOP): Promise<UserSession> => {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: Problem[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push({ kind: 'console', text: message.text(), url: message.location().url });
    }
  });
  page.on('pageerror', (error) => problems.push({ kind: 'pageerror', text: String(error), url: page.url() }));
  return { context, page, problems };
};

export const unexpectedProblems = (session: UserSession, expected: Expected): Problem[] =>
  session.problems.filter((problem) => !expected(problem));

/**
 * Saves a screenshot. `fullPage` grows the viewport to the page's height for the picture (a stitched capture
 * would paint the shell's fixed header and sidebar in the middle of the page), then restores it.
 */
export const screenshot = async (page: Page, name: string, fullPage = true): Promise<void> => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Let transitions and lazy chunks settle so the picture shows the finished page.
  await page.waitForTimeout(300);
  const viewport = page.viewportSize();
  const height = await page.evaluate('document.documentElement.scrollHeight');
  const grow = fullPage && viewport !== null && typeof height === 'number' && height > viewport.height;
  if (grow && viewport) await page.setViewportSize({ width: viewport.width, height: Math.min(height, 4000) });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  if (grow && viewport) await page.setViewportSize(viewport);
};

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2 A and AA rules) on the page. The script is evaluated through the DevTools protocol,
 * which the portal's CSP (no inline scripts) does not apply to.
 */
export const axeViolations = async (page: Page): Promise<AxeViolation[]> => {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // Runs in the page: the browser's globals, typed here without the DOM library.
    const page = globalThis as unknown as {
      axe: { run: (context: unknown, options: unknown) => Promise<unknown> };
      document: unknown;
    };
    const result = (await page.axe.run(page.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })) as {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    };
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
};
