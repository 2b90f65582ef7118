/**
 * `npm run bench -- logging`: what one redacted log line costs on the fill → order path. Per logger
 * (Powertools, JSON console), per line shape (a typical fill line; a line carrying an HTTP error with its
 * cause and a signed URL), with the secrets of three accounts registered. Through stats.ts: warm-up, then
 * 10,000 lines each, p50 / p99 / max per line, and lines per second (from the mean). Lines go to a no-op
 * writer, so this is redaction + serialization, not I/O.
 */
import { performance } from 'node:perf_hooks';
import { JsonConsoleLogger, PowertoolsLogger, Redactor } from '../../shared/adapters/logging/index.js';
import type { LogExtra, Logger } from '../../shared/ports/logger.js';
import { Credentials } from '../../shared/ports/secrets.js';
import type { Bench } from './run.js';
import { type Budget, sampleLatency } from './stats.js';

const LINES = 10_000;

// No document names a figure for a log line. Measured on this 2-core shared machine (n = 10,000 each),
// p99 per line: fill line 0.10–0.11 ms, error line 0.51–0.66 ms, either logger; the budgets keep about
// 2× headroom, to catch regressions (a fill line is on the fill → order path, an error line is not).
const FILL_LINE: Budget = { p99Ms: 0.25, source: 'measured figures, ~2x headroom' };
const ERROR_LINE: Budget = { p99Ms: 1.5, source: 'measured figures, ~2x headroom' };

function redactor(): Redactor {
  const r = new Redactor();
  for (let i = 0; i < 3; i++) {
    r.registerCredentials(
      new Credentials(`k${i}`.padEnd(64, 'K1'), `s${i}`.padEnd(64, 'S2'), `pw-${i}-pass`),
    );
  }
  return r;
}

const fillLine: LogExtra = {
  instanceId: 'klg-btc',
  account: 'main',
  clientOrderId: 'gbKLGbtc01B0001',
  tradeId: '900001',
  side: 'buy',
  price: '58000.10',
  qty: '0.002',
  level: '58000.1',
  holdings: '0.012',
  latencyMs: 3,
};

function errorLine(): LogExtra {
  const url = `https://fapi.binance.com/fapi/v1/order?symbol=BTCUSDT&timestamp=1&signature=${'ab'.repeat(32)}`;
  const cause = Object.assign(new Error(`POST ${url} failed`), {
    headers: { 'X-MBX-APIKEY': 'x' },
    status: 503,
  });
  return { instanceId: 'klg-btc', error: new Error('submit failed', { cause }) };
}

const bench: Bench = {
  name: 'redacted log lines',
  async run() {
    const sink = () => {};
    const loggers: [string, Logger][] = [
      ['powertools', new PowertoolsLogger({ redactor: redactor(), write: sink })],
      ['json console', new JsonConsoleLogger({ redactor: redactor(), write: sink })],
    ];
    const shapes: [string, () => LogExtra, Budget][] = [
      ['fill line (10 fields)', () => fillLine, FILL_LINE],
      ['error + cause + signed URL', errorLine, ERROR_LINE],
    ];
    for (const [name, logger] of loggers) {
      for (const [shape, extra, budget] of shapes) {
        const r = await sampleLatency(
          { line: { label: `${name}: ${shape}`, budget } },
          (record) => {
            const e = extra();
            const t = performance.now();
            logger.info('fill processed', e);
            record('line', performance.now() - t);
          },
          { samples: LINES },
        );
        console.log(`    ${Math.round(1000 / r.line.mean).toLocaleString('en')} lines/s (from the mean)`);
      }
    }
  },
};

export default bench;
