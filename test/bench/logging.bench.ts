/**
 * `npm run bench -- logging`: what one redacted log line costs on the fill → order path. Per logger
 * (Powertools, JSON console), per line shape (a typical fill line; a line carrying an HTTP error with its
 * cause and a signed URL), with the secrets of three accounts registered: median and p99 per line, and
 * lines per second (from the mean). Lines go to a no-op writer, so this is redaction + serialization, not I/O.
 */
import { JsonConsoleLogger, PowertoolsLogger, Redactor } from '../../shared/adapters/logging/index.js';
import type { LogExtra, Logger } from '../../shared/ports/logger.js';
import { Credentials } from '../../shared/ports/secrets.js';
import type { Bench } from './run.js';
import { fmtMs, summarize } from './stats.js';

const LINES = 10_000;

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

function measure(logger: Logger, extra: () => LogExtra): number[] {
  const samples: number[] = [];
  for (let i = 0; i < LINES; i++) {
    const e = extra();
    const t = performance.now();
    logger.info('fill processed', e);
    samples.push(performance.now() - t);
  }
  return samples;
}

const bench: Bench = {
  name: 'redacted log lines',
  async run() {
    const sink = () => {};
    const loggers: [string, Logger][] = [
      ['powertools', new PowertoolsLogger({ redactor: redactor(), write: sink })],
      ['json console', new JsonConsoleLogger({ redactor: redactor(), write: sink })],
    ];
    const shapes: [string, () => LogExtra][] = [
      ['fill line (10 fields)', () => fillLine],
      ['error + cause + signed URL', errorLine],
    ];
    console.log('logger        line                          p50        p99        lines/s');
    for (const [name, logger] of loggers) {
      for (const [shape, extra] of shapes) {
        measure(logger, extra); // warm-up
        const samples = measure(logger, extra);
        const s = summarize(samples);
        const perSecond = Math.round((1000 * samples.length) / samples.reduce((a, b) => a + b, 0));
        console.log(
          `${name.padEnd(13)} ${shape.padEnd(29)} ${fmtMs(s.p50).padEnd(10)} ${fmtMs(s.p99).padEnd(10)} ${perSecond}`,
        );
      }
    }
  },
};

export default bench;
