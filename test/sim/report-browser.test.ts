/**
 * report.html in a real headless browser: Chromium from Debian's packages (`.ci/run` installs it),
 * driven by playwright-core. The page must open from a file with no network, log no error, and draw its
 * charts from the data it carries.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import { repoRoot, simConfig, tempDir } from '../support/sim.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dir = tempDir();
let browser: Browser;
let run: SimResult;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const levels = [
    '0.19',
    '0.1925',
    '0.195',
    '0.1975',
    '0.2',
    '0.2025',
    '0.205',
    '0.2075',
    '0.21',
    '0.2125',
    '0.215',
  ];
  run = await runSimulation({
    config: {
      config: simConfig(
        {
          symbol: 'DOGE/USDC:USDC',
          levels: { source: 'manual', prices: levels },
          base_amount_per_grid: '100',
        },
        { demo_market: { days: 1 } },
      ),
      dir: repoRoot,
    },
    store: 'memory',
    outDir: dir.path,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  dir.remove();
});

describe('report.html', () => {
  it('opens offline with no console error and draws candles, levels, orders, fills, position and equity', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(join(dir.path, 'report.html')).href;
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });

    const s = run.summary.instances[0]!;
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    expect(await page.locator('svg.price .candle').count()).toBeGreaterThan(200);
    expect(await page.locator('svg.price .level').count()).toBeGreaterThanOrEqual(11);
    expect(await page.locator('svg.price .fill').count()).toBe(s.fills.count);
    expect(await page.locator('svg.price .order').count()).toBe(s.orders.placed + s.orders.amended);
    expect(s.fills.count).toBeGreaterThan(3);
    for (const chart of ['position', 'equity']) {
      const d = await page.locator(`svg.${chart} path.series`).getAttribute('d');
      expect(d?.split(/[LHV]/).length).toBeGreaterThan(100);
    }
    const box = await page.locator('svg.price').boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    expect(box!.height).toBeGreaterThan(150);
    await expect(page.locator('table').first().innerText()).resolves.toMatch(
      /fills \(buys \/ sells\)\s+\d+ \(\d+ \/ \d+\)/,
    );
    await page.close();
  });
});
