import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { processRedactor } from '../../shared/adapters/logging/redactor.js';
import { cli } from '../support/cli.js';
import { ohlcv, repoRoot, tempDir } from '../support/sim.js';

const dir = tempDir('gridbot-cli-');
afterAll(() => dir.remove());

const instance = {
  id: 'dogeklg',
  strategy: 'key_level_grid',
  account: 'main',
  symbol: 'DOGE/USDT:USDT',
  levels: { source: 'manual', prices: [0.19, 0.195, 0.2, 0.205, 0.21, 0.215, 0.22, 0.225, 0.23] },
  base_amount_per_grid: 100,
  recon_interval_sec: 300,
};
function configFile(name: string, doc: Record<string, unknown>): string {
  const path = join(dir.path, name);
  writeFileSync(path, name.endsWith('.json') ? JSON.stringify(doc) : stringify(doc));
  return path;
}
const good = configFile('good.yaml', {
  accounts: [{ id: 'main', exchange: 'binanceusdm' }],
  instances: [instance],
  simulation: { demo_market: { days: 0.25 } },
});
const doge = ohlcv('binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv');
/** `gridbot sim` of the good config on real DOGE candles from 5 June 2025 00:00 UTC to `to`, into `out`. */
const realCandles = (to: string, out: string) => [
  'sim',
  '--config',
  good,
  '--candles',
  doge,
  '--from',
  '2025-06-05T00:00:00Z',
  '--to',
  to,
  '--store',
  'memory',
  '--out',
  out,
];
const oneLine = (err: string) => {
  expect(err.endsWith('\n')).toBe(true);
  expect(err.trim().split('\n')).toHaveLength(1);
  expect(err.startsWith('gridbot: ')).toBe(true);
};

describe('gridbot sim', () => {
  it('replays the demo market, says which symbol rules it used and where the report is', async () => {
    const out = join(dir.path, 'demo-out');
    const r = await cli(['sim', '--config', good, '--store', 'memory', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/built-in demo market/);
    expect(r.out).toMatch(/symbol rules for DOGE\/USDT:USDT: built-in/);
    expect(r.out).toContain(`report: ${join(out, 'report.html')}`);
    for (const f of ['summary.json', 'events.jsonl', 'report.html'])
      expect(existsSync(join(out, f))).toBe(true);
    // Not a terminal: plain progress lines, one per tenth.
    expect(r.err.split('\n').filter((l) => l.startsWith('sim: '))).toHaveLength(10);
  });

  it('replays real candles from --candles between --from and --to', async () => {
    const out = join(dir.path, 'real-out');
    const r = await cli([...realCandles('2025-06-05T06:00:00Z', out), '--quiet']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(
      new RegExp(
        `candles from ${doge.replace(/[.]/g, '\\.')}, 2025-06-05T00:00:00.000Z → 2025-06-05T06:00:00.000Z`,
      ),
    );
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.instances[0].candles).toBe(360);
  });

  it('--exact runs every pass in full and writes the same events', async () => {
    const fast = join(dir.path, 'fast-out');
    const exact = join(dir.path, 'exact-out');
    expect((await cli([...realCandles('2025-06-05T06:00:00Z', fast), '--quiet'])).code).toBe(0);
    expect((await cli([...realCandles('2025-06-05T06:00:00Z', exact), '--quiet', '--exact'])).code).toBe(0);
    const events = (d: string) => readFileSync(join(d, 'events.jsonl'), 'utf8');
    expect(events(fast).length).toBeGreaterThan(0);
    expect(events(exact)).toBe(events(fast));
  });

  it('--json prints the summary and the files it wrote, and no progress', async () => {
    const out = join(dir.path, 'json');
    const r = await cli([...realCandles('2025-06-05T02:00:00Z', out), '--json'], { isTTY: true });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const printed = JSON.parse(r.out);
    expect(printed.files).toEqual({
      report: join(out, 'report.html'),
      summary: join(out, 'summary.json'),
      events: join(out, 'events.jsonl'),
    });
    expect(printed.summary).toEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));
  });

  it('takes SYMBOL=file when the config trades several symbols, and refuses a bare file then', async () => {
    const two = configFile('two.yaml', {
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [
        instance,
        {
          ...instance,
          id: 'ethklg',
          symbol: 'ETH/USDT:USDT',
          levels: { source: 'manual', prices: [2400, 2500, 2600] },
          base_amount_per_grid: 0.01,
        },
      ],
      simulation: { demo_market: { days: 0.1, prices: { 'ETH/USDT:USDT': 2500 } } },
    });
    const bare = await cli(['sim', '--config', two, '--candles', doge, '--store', 'memory']);
    expect(bare.code).toBe(1);
    oneLine(bare.err);
    expect(bare.err).toMatch(
      /--candles .*: the config trades 2 symbols \(DOGE\/USDT:USDT, ETH\/USDT:USDT\); write --candles SYMBOL=file/,
    );
    const named = await cli([
      'sim',
      '--config',
      two,
      '--candles',
      `DOGE/USDT:USDT=${doge}`,
      '--from',
      '2025-06-05T00:00:00Z',
      '--to',
      '2025-06-05T01:00:00Z',
      '--store',
      'memory',
      '--out',
      join(dir.path, 'two-out'),
      '--quiet',
    ]);
    expect(named.code).toBe(0);
    expect(named.out).toMatch(/ethklg ETH\/USDT:USDT/);
  });

  it('exits 1 with one line naming the problem on bad input', async () => {
    const badCsv = join(dir.path, 'bad.csv');
    writeFileSync(
      badCsv,
      'open_time_ms,open,high,low,close,volume\n1735689600000,0.2,0.21,0.19,0.2,5\n1735689660000,0.2,0.2,0.19,oops,5\n',
    );
    const invalid = configFile('invalid.json', {
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [{ ...instance, base_amount_per_grid: -1 }],
    });
    const cases: [string[], RegExp][] = [
      [['sim', '--config', join(dir.path, 'missing.yaml')], /cannot read config file .*missing\.yaml/],
      [
        ['sim', '--config', good, '--candles', join(dir.path, 'nope.csv')],
        /candles file not found: .*nope\.csv/,
      ],
      [
        ['sim', '--config', good, '--candles', badCsv],
        /bad\.csv:3: close must be a decimal number, got "oops"/,
      ],
      [
        ['sim', '--config', invalid],
        /invalid config in .*invalid\.json: instances\[0\]\.base_amount_per_grid: must be greater than 0/,
      ],
      [
        ['sim', '--config', good, '--store', 'sqlite'],
        /argument 'sqlite' is invalid. Allowed choices are dynamo, memory/,
      ],
      [['sim', '--config', good, '--from', 'last tuesday'], /--from: expected an ISO 8601 time/],
      [['sim'], /required option '--config <file>' not specified/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(1);
      oneLine(r.err);
      expect(r.err).toMatch(message);
    }
  });

  it('prints the version and the help asked for, and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const version = await cli(['--version']);
    expect([version.code, version.out.trim()]).toEqual([0, pkg.version]);
    const help = await cli(['help', 'sim']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: gridbot sim \[options\]/);
    expect((await cli(['help'])).code).toBe(0);
  });

  it('shows help and exits 1 when no command is given', async () => {
    const r = await cli([]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Usage: gridbot/);
    expect(r.err).toMatch(/sim \[options\]/);
  });
});

describe('gridbot validate-config', () => {
  it('prints no registered credential on stdout or stderr, whatever the message quotes', async () => {
    const secret = 'cliLeakProbeSecret42';
    processRedactor.register([secret]);
    const missing = join(dir.path, `${secret}.yaml`);
    const r = await cli(['validate-config', missing]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot read config file');
    const quoted = configFile(`q-${secret}.yaml`, {
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [instance],
    });
    const ok = await cli(['validate-config', quoted]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(': ok');
    expect(`${r.out}${r.err}${ok.out}${ok.err}`).not.toContain(secret);
  });

  it('with --exchange-info, names an instance whose symbol the venue does not list', async () => {
    const info = join(repoRoot, '../shared/data/fixtures/binance_usdm_exchangeInfo_2025-11-26_full.json');
    const unlisted = configFile('unlisted.yaml', {
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [{ ...instance, symbol: 'NOTACOIN/USDT:USDT' }],
    });
    const bad = await cli(['validate-config', unlisted, '--exchange-info', info]);
    expect(bad.code).toBe(1);
    oneLine(bad.err);
    expect(bad.err).toMatch(
      /instances\[0\] "dogeklg": symbol "NOTACOIN\/USDT:USDT" \(NOTACOINUSDT\) is not listed/,
    );
    const ok = await cli(['validate-config', good, '--exchange-info', info]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`symbols listed in ${info}`);
  });

  it('says what a good config holds', async () => {
    const r = await cli(['validate-config', good]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${good}: ok — 1 account(s) (main), 1 instance(s) (dogeklg DOGE/USDT:USDT)\n`);
  });

  it('--json: what a good config holds, or the error, for scripts', async () => {
    const r = await cli(['validate-config', good, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      ok: true,
      file: good,
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [
        {
          id: 'dogeklg',
          strategy: 'key_level_grid',
          enabled: true,
          symbols: ['DOGE/USDT:USDT'],
          accounts: ['main'],
        },
      ],
      listedIn: null,
    });
    const bad = configFile('bad-json.yaml', {
      accounts: [{ id: 'main', exchange: 'nope' }],
      instances: [instance],
    });
    const b = await cli(['validate-config', bad, '--json']);
    expect(b.code).toBe(1);
    const reply = JSON.parse(b.out);
    expect(reply).toMatchObject({ ok: false, file: bad });
    expect(reply.error).toContain('accounts[0].exchange');
    expect(b.err).toBe(`gridbot: ${reply.error}\n`);
  });

  it('accepts every example shipped in examples/', async () => {
    const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml'));
    expect(examples).toContain('demo.yaml');
    for (const f of examples)
      expect((await cli(['validate-config', join(repoRoot, 'examples', f)])).code).toBe(0);
  });

  it('names every bad field of a bad one', async () => {
    const bad = configFile('bad.yaml', {
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [{ ...instance, account: 'other', recon_interval_sec: 45 }],
    });
    const r = await cli(['validate-config', bad]);
    expect(r.code).toBe(1);
    oneLine(r.err);
    expect(r.err).toMatch(/instances\[0\]\.recon_interval_sec: must be 30 or a whole number of minutes/);
    expect(r.err).toMatch(/instances\[0\]\.account: unknown account "other"/);
  });
});
