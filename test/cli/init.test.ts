/**
 * `gridbot init`: a commented starter config that names the schema, refuses to overwrite a file unless
 * told to, passes `gridbot validate-config` and runs in `gridbot sim` as written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cli, spawnCli } from '../support/cli.js';
import { tempDir } from '../support/sim.js';

const dir = tempDir('gridbot-init-');
afterAll(() => dir.remove());

describe('gridbot init', () => {
  it('writes a commented Key Level Grid that validates and runs in the simulator', async () => {
    const file = join(dir.path, 'klg.yaml');
    const r = await cli(['init', '--out', file]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`wrote ${file}`);
    expect(r.out).toContain(`gridbot validate-config ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./gridbot.schema.json');
    // Says what to do next, and explains the fields it sets.
    for (const step of ['validate-config', 'gridbot sim', 'gridbot run --paper', 'cdk deploy', 'CONFIG.md'])
      expect(text).toContain(step);
    expect(text).toMatch(/base_amount_per_grid: 300 # coins bought at each support/);
    expect(parseYaml(text).instances[0]).toMatchObject({
      strategy: 'key_level_grid',
      symbol: 'DOGE/USDC:USDC',
      levels: { source: 'range', lower: 0.15, upper: 0.25, count: 21, spacing: 'arithmetic' },
    });

    const v = await cli(['validate-config', file]);
    expect(v.code).toBe(0);
    expect(v.out).toContain('ok — 1 account(s) (main), 1 instance(s) (dogeklg DOGE/USDC:USDC)');

    const out = join(dir.path, 'klg-out');
    const s = await cli(['sim', '--config', file, '--store', 'memory', '--out', out, '--quiet']);
    expect(s.err).toBe('');
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/dogeklg DOGE\/USDC:USDC: \d+ candles, [1-9]\d* fills/);
    expect(s.out).toContain('no invariant violations');
  }, 120_000);

  it.each([
    ['klg', 'BTC/USDT:USDT', 'btcklg BTC/USDT:USDT'],
    ['closer', undefined, 'btcclose BTC/USDT:USDT'],
    ['hedge-grid', 'DOGE/USDT:USDT', 'dogehedge DOGE/USDT:USDT'],
    ['hedge-pairs', 'ETH/USDT:USDT', 'ethpairs ETH/USDT:USDT'],
  ])('--strategy %s --symbol %s validates', async (strategy, symbol, described) => {
    const file = join(dir.path, `${strategy}-${symbol?.replace(/\W/g, '') ?? 'default'}.yaml`);
    const r = await cli([
      'init',
      '--strategy',
      strategy,
      ...(symbol ? ['--symbol', symbol] : []),
      '--out',
      file,
    ]);
    expect(r.code).toBe(0);
    const v = await cli(['validate-config', file]);
    expect(v.err).toBe('');
    expect(v.out).toContain(described);
  });

  it('refuses to overwrite a file unless --force', async () => {
    const file = join(dir.path, 'mine.yaml');
    writeFileSync(file, 'accounts: []\n');
    const r = await cli(['init', '--out', file]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `gridbot: ${file} exists; pass --force to overwrite it, or --out <file> for another\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe('accounts: []\n');
    expect((await cli(['init', '--out', file, '--force'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('strategy: key_level_grid');
  });

  it('names a bad symbol or strategy, and writes nothing', async () => {
    const file = join(dir.path, 'bad.yaml');
    const sym = await cli(['init', '--symbol', 'dogeusdt', '--out', file]);
    expect(sym.code).toBe(1);
    expect(sym.err).toMatch(/--symbol dogeusdt: give the market as a ccxt linear-swap symbol/);
    const strat = await cli(['init', '--strategy', 'martingale', '--out', file]);
    expect(strat.code).toBe(1);
    expect(strat.err).toMatch(/martingale.*klg, closer, hedge-grid, hedge-pairs/);
    expect(existsSync(file)).toBe(false);
  });

  it('says when the symbol has no preset: placeholders to set before simulating', async () => {
    const file = join(dir.path, 'pepe.yaml');
    const r = await cli(['init', '--symbol', 'PEPE/USDT:USDT', '--out', file]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^gridbot init: note: no preset for PEPE/);
    expect(readFileSync(file, 'utf8')).toContain('TODO: placeholder');
    expect((await cli(['validate-config', file])).code).toBe(0);
  });

  it('writes gridbot.yaml in the current directory by default', async () => {
    const cwd = tempDir('gridbot-init-cwd-');
    try {
      const p = spawnCli(['init'], {}, cwd.path);
      expect((await p.exited).code).toBe(0);
      expect(readFileSync(join(cwd.path, 'gridbot.yaml'), 'utf8')).toContain('strategy: key_level_grid');
    } finally {
      cwd.remove();
    }
  }, 60_000);
});
