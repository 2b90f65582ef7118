/**
 * report.html in a real headless browser driven by playwright-core: Debian's Chromium where it is installed,
 * else the one the npm package `@sparticuz/chromium` ships (`test/support/chromium.ts` chooses). The page
 * must open from a file with no network, log no error, draw its charts with the inlined libraries (canvases
 * with ink on them; counts read back from the libraries' APIs), show the headline figures summary.json
 * holds, list every fill, and say when trading was blocked and why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../shared/composition/sim.js';
import { type Decimal, dec } from '../../shared/domain/money.js';
import { chromiumExecutable } from '../support/chromium.js';
import { readEvents, repoRoot, simConfig, tempDir } from '../support/sim.js';

const dir = tempDir();
let browser: Browser;
let run: SimResult;

beforeAll(async () => {
  const exe = await chromiumExecutable();
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
  browser = await chromium.launch({ executablePath: exe.path, args: exe.args, env: exe.env });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  dir.remove();
});

/** Whether a canvas has any pixel that is neither transparent nor the background white. */
const inkedCanvases = `(() => [...document.querySelectorAll(SELECTOR)].map((c) => {
  const ctx = c.getContext('2d');
  if (!ctx || c.width === 0 || c.height === 0) return false;
  const px = ctx.getImageData(0, 0, c.width, c.height).data;
  for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235)) return true;
  return false;
}))()`;

describe('report.html', () => {
  it('opens offline with no console error or request, and draws every chart with the libraries', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
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
    expect(s.fills.count).toBeGreaterThan(3);
    // The libraries are there, inlined (lightweight-charts and uPlot), and nothing is fetched.
    expect(await page.evaluate('typeof LightweightCharts.createChart + typeof uPlot')).toBe(
      'functionfunction',
    );
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    // What the libraries were given, read back from their own APIs.
    const drawn = (await page.evaluate(
      'window.__report.instances.map((i) => ({ ...i, priceLines: i.priceLines() }))',
    )) as {
      markers: number;
      bars: number;
      levelSeries: number;
      priceLines: number;
      plots: { series: number; points: number }[];
    }[];
    expect(drawn[0]!.markers).toBe(s.fills.count);
    expect(drawn[0]!.bars).toBeGreaterThan(1000); // a day of 1-minute bars, not thinned
    expect(drawn[0]!.levelSeries).toBe(11);
    // Zoomed to the first hours, the orders open at the right edge of the view are price lines.
    const from = Date.parse(run.summary.market.from) / 1000;
    await page.evaluate(`window.__report.instances[0].setRange(${from}, ${from + 6 * 3600})`);
    await expect
      .poll(() => page.evaluate('window.__report.instances[0].priceLines()'), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(drawn[0]!.plots.map((p) => p.series)).toEqual([3, 2, 3]); // equity+drawdown, position, exposure
    for (const p of drawn[0]!.plots) expect(p.points).toBeGreaterThan(100);
    // Every canvas that draws (candles and every uPlot chart) has ink on it.
    const price = (await page.evaluate(
      inkedCanvases.replace('SELECTOR', JSON.stringify('[data-chart="price"] canvas')),
    )) as boolean[];
    expect(price.some(Boolean)).toBe(true);
    const plots = (await page.evaluate(
      inkedCanvases.replace('SELECTOR', JSON.stringify('.uplot canvas')),
    )) as boolean[];
    expect(plots).toHaveLength(3);
    expect(plots.every(Boolean)).toBe(true);
    const box = await page.locator('[data-chart="price"]').boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    expect(box!.height).toBeGreaterThan(300);
    await page.close();
  });

  it('shows the headline figures of summary.json, every fill as a trade row, and the tables', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(pathToFileURL(join(dir.path, 'report.html')).href);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
    const written = JSON.parse(readFileSync(join(dir.path, 'summary.json'), 'utf8'));
    const p = written.instances[0].performance;
    const w = written.instances[0];
    // The figures agree with the rest of summary.json: grid profit + inventory PnL is the exchange's trading
    // PnL, the max drawdown is the recorder's, net PnL is equity − start.
    expect(
      dec(p.gridProfit)
        .plus(p.inventoryPnl)
        .equals(dec(w.realizedPnl).plus(w.unrealizedPnl).minus(w.tradingFees)),
    ).toBe(true);
    expect(p.maxDrawdownPct).toBe(w.maxDrawdownPct);
    expect(p.netPnl).toBe(dec(w.pnl).toDecimalPlaces(8).toFixed());
    const at = (path: string) => path.split('.').reduce((o, k) => o?.[k], p);
    const cards = await page
      .locator('.card')
      .evaluateAll((els) =>
        els.map((e) => [
          e.getAttribute('data-key') ?? '',
          e.getAttribute('data-value') ?? '',
          e.querySelector('.v')!.textContent!,
        ]),
      );
    expect(cards.map((c) => c[0])).toEqual(
      expect.arrayContaining([
        'returnPct',
        'buyAndHoldPct',
        'gridProfit',
        'inventoryPnl',
        'fees',
        'maxDrawdownPct',
        'sharpe',
        'sortino',
        'calmar',
        'profitFactor',
      ]),
    );
    for (const [key, value, shown] of cards) {
      const want = at(key);
      expect(value).toBe(want === null ? '' : String(want));
      if (want === null) continue;
      // The figure shown is the summary's, at most rounded to 4 places.
      const n = Number(shown.replace(/[^0-9.+-]/g, ''));
      expect(Math.abs(n - Number(want))).toBeLessThan(
        key.startsWith('exposure.maxLeverage') ? 0.006 : 0.00006,
      );
    }
    expect(Number(cards.find((c) => c[0] === 'returnPct')![2].replace('%', ''))).toBe(Number(p.returnPct));
    // Every fill is one row of the trade table (all rows on one page).
    await page.locator('[data-table="trades"] select').selectOption('all');
    const rows = await page
      .locator('[data-table="trades"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const fills = readEvents(join(dir.path, 'events.jsonl')).filter((e) => e.type === 'fill');
    expect(rows).toHaveLength(fills.length);
    rows.forEach((r, i) => {
      expect(r[1]).toBe(fills[i]!.side);
      expect(r[2]).toBe(fills[i]!.price);
      expect(r[3]).toBe(fills[i]!.qty);
    });
    // Per level, daily, weekly rows as in summary.json; the daily PnL adds up to the run's.
    expect(await page.locator('[data-table="levels"] tbody tr').count()).toBe(p.levels.length);
    expect(await page.locator('[data-table="daily"] tbody tr').count()).toBe(p.daily.length);
    expect(await page.locator('[data-table="weekly"] tbody tr').count()).toBe(p.weekly.length);
    const dailyPnl = p.daily.reduce((a: Decimal, d: { pnl: string }) => a.plus(d.pnl), dec(0));
    expect(dailyPnl.minus(p.netPnl).abs().lessThan('1e-6')).toBe(true);
    await expect(page.locator('[data-table="summary"]').innerText()).resolves.toMatch(
      /fills \(buys \/ sells\)\s+\d+ \(\d+ \/ \d+\)/,
    );
    // The config that produced the run.
    expect(JSON.parse((await page.locator('#config').textContent())!)).toEqual(written.config);
    await page.close();
  });

  it('says plainly when trading was blocked, and why (a grid unit below the exchange minimum)', async () => {
    const blockedDir = tempDir();
    try {
      const r = await runSimulation({
        config: {
          config: simConfig(
            {
              symbol: 'DOGE/USDC:USDC',
              levels: { source: 'manual', prices: ['0.19', '0.195', '0.2', '0.205', '0.21'] },
              base_amount_per_grid: '10',
            },
            { demo_market: { days: 0.5 } },
          ),
          dir: repoRoot,
        },
        store: 'memory',
        outDir: blockedDir.path,
      });
      const s = r.summary.instances[0]!;
      expect(s.fills.count).toBe(0);
      expect(s.violations).toEqual([]);
      expect(s.blocked.conditions[0]).toMatchObject({
        code: 'grid_unit_below_minimum',
        details: { gridUnit: '10' },
      });
      expect(s.blocked.note).toMatch(
        /^NO FILLS — trading was blocked: no buy orders: the grid unit .* below the exchange minimum order \(.*gridUnit 10, minimum \d+/,
      );
      const page = await browser.newPage();
      await page.goto(pathToFileURL(join(blockedDir.path, 'report.html')).href);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
      await expect(page.locator('[data-blocked="1"]').innerText()).resolves.toContain(s.blocked.note!);
      await page.close();
    } finally {
      blockedDir.remove();
    }
  });
});
