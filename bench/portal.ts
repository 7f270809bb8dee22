// Benchmark: the built portal against its two budgets — the initial JavaScript (the entry chunk and every
// chunk it imports statically, gzip) at most 300 kB, and the first page (sign-in) interactive within 1 s from
// a loopback Central, in Chromium: the median of 5 cold loads (a fresh browser context each, so nothing is
// cached) of the time from navigation start until the e-mail field exists, is enabled and takes focus.
//
//   npx tsx bench/portal.ts [--loads 5]
//
// Builds nothing: run `npm run build` first (it builds Central and the portal). Needs /usr/bin/chromium.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { launchChromium, openSession } from '../packages/portal/test/support/browser.js';
import { startCentral } from '../packages/server/test/support/central-process.js';

const { values } = parseArgs({ options: { loads: { type: 'string', default: '5' } } });
const LOADS = Number(values.loads);
const JS_BUDGET_BYTES = 300 * 1000;
const INTERACTIVE_BUDGET_MS = 1000;

const DIST = fileURLToPath(new URL('../packages/portal/dist/', import.meta.url));

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const ratio = (value: number, budget: number) => `${((value / budget) * 100).toFixed(0)} % of the budget`;

/** The entry chunk named by index.html and, transitively, every chunk it imports statically. */
const initialChunks = (): string[] => {
  const index = readFileSync(join(DIST, 'index.html'), 'utf8');
  const entry = /<script type="module"[^>]*src="\/(assets\/[^"]+\.js)"/.exec(index)?.[1];
  if (!entry) throw new Error('no entry script in packages/portal/dist/index.html: run `npm run build`');
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(DIST, file), 'utf8');
    // Static imports only: `import{a}from"./x.js"` and `import"./x.js"`; dynamic import("…") loads later.
    for (const match of code.matchAll(
      /(?:^|[;\s}])import\s*(?:[\w$*{}\s,]+from\s*)?["'](\.\/[^"']+\.js)["']/g,
    )) {
      const target = match[1];
      if (target) visit(join('assets', target.slice(2)));
    }
  };
  visit(entry);
  return [...seen];
};

const measureBundle = () => {
  const chunks = initialChunks();
  const sizes = chunks.map((file) => {
    const bytes = readFileSync(join(DIST, file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  const allJs = readdirSync(join(DIST, 'assets')).filter((f) => f.endsWith('.js'));
  const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
  console.log(`Initial JavaScript (${chunks.length} of ${allJs.length} chunks; the rest load on demand):`);
  for (const s of sizes)
    console.log(`  ${s.file.padEnd(44)} ${kB(s.raw).padStart(10)} raw ${kB(s.gzip).padStart(10)} gzip`);
  console.log(`  total ${kB(total)} gzip — budget ${kB(JS_BUDGET_BYTES)}: ${ratio(total, JS_BUDGET_BYTES)}`);
  return total;
};

const measureInteractive = async (): Promise<number> => {
  const central = await startCentral('sqlite');
  const browser = await launchChromium();
  try {
    const times: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const { context, page } = await openSession(browser);
      await page.goto(`${central.url}/sign-in`, { waitUntil: 'commit' });
      // Time since navigation start (performance.now() is relative to it) when the field takes focus.
      const handle = await page.waitForFunction(
        () => {
          // Runs in the page; the DOM is typed loosely here (this file is type-checked without the DOM library).
          const doc = (
            globalThis as unknown as {
              document: { activeElement: unknown; querySelector(s: string): unknown };
            }
          ).document;
          const field = doc.querySelector('input[type=email]') as { disabled: boolean; focus(): void } | null;
          if (!field || field.disabled) return false;
          field.focus();
          return doc.activeElement === field ? performance.now() : false;
        },
        undefined,
        { polling: 'raf', timeout: 15_000 },
      );
      times.push(Number(await handle.jsonValue()));
      await context.close();
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    console.log(
      `Sign-in page interactive (e-mail field enabled and focused), ${LOADS} cold loads from ${central.url}:`,
    );
    console.log(`  ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
    console.log(
      `  median ${median.toFixed(0)} ms — budget ${INTERACTIVE_BUDGET_MS} ms: ${ratio(median, INTERACTIVE_BUDGET_MS)}`,
    );
    return median;
  } finally {
    await browser.close();
    await central.stop();
  }
};

const js = measureBundle();
const interactive = await measureInteractive();
const ok = js <= JS_BUDGET_BYTES && interactive <= INTERACTIVE_BUDGET_MS;
console.log(ok ? 'Both budgets met.' : 'A budget is exceeded.');
process.exitCode = ok ? 0 : 1;
