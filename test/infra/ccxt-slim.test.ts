import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import binanceSlim from '../../lib/bundling/ccxt-slim/binanceusdm.js';
import lighterSlim from '../../lib/bundling/ccxt-slim/lighter.js';
import okxSlim from '../../lib/bundling/ccxt-slim/okx.js';
import { esbuildOptions, LIGHTER_SIGNER_DIR, REPO_ROOT } from '../../lib/bundling/lambda-bundling.js';
import { FIXTURES } from './synth.js';

const errorNames = Object.keys(ccxt).filter((k) => {
  const v = (ccxt as unknown as Record<string, unknown>)[k];
  return typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error;
});

describe.each([
  ['binanceusdm', binanceSlim],
  ['okx', okxSlim],
  ['lighter', lighterSlim],
] as const)('slim ccxt for %s', (venue, slim) => {
  const s = slim as unknown as Record<string, unknown> & {
    pro: Record<string, unknown>;
    exchanges: string[];
  };

  it('carries the same error classes as ccxt, so instanceof checks keep working', () => {
    expect(errorNames.length).toBeGreaterThan(30);
    for (const name of errorNames)
      expect(s[name], name).toBe((ccxt as unknown as Record<string, unknown>)[name]);
  });

  it('holds exactly one exchange, REST and pro, constructible like the full package', () => {
    expect(s.exchanges).toEqual([venue]);
    expect(s.pro.exchanges).toEqual([venue]);
    const Pro = s.pro[venue] as new (c: object) => { id: string; has: Record<string, unknown> };
    const client = new Pro({});
    expect(client.id).toBe(venue);
    expect(client.has.watchOrders).toBe(true);
    expect(s.pro[venue === 'okx' ? 'binanceusdm' : 'okx']).toBeUndefined();
  });
});

describe('the ccxt alias in a bundle', () => {
  it('lets the ccxt adapter build a client for the bundled venue and names the missing one', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gridbot-probe-')), 'index.js');
    await build(esbuildOptions(join(FIXTURES, 'exchange-handler.ts'), out, 'binanceusdm'));
    const run = (venue: string) =>
      execFileSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(out)}).handler({ venue: ${JSON.stringify(venue)} }).then((r) => console.log(JSON.stringify(r)), (e) => console.log('ERR ' + e.message))`,
        ],
        { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'ap-northeast-1', NODE_NO_WARNINGS: '1' } },
      ).trim();
    expect(JSON.parse(run('binanceusdm'))).toMatchObject({ id: 'binanceusdm', code: '-5022' });
    expect(run('okx')).toBe('ERR ccxt pro has no exchange class okx');
  }, 60_000);
});

describe('a Lighter bundle', () => {
  it('signs with the signer files the bundling copies beside the code (no node_modules at run time)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbot-lighter-'));
    const out = join(dir, 'index.js');
    await build(esbuildOptions(join(FIXTURES, 'lighter-sign-handler.ts'), out, 'lighter'));
    // What cdkBundling's afterBundling hook does for a Lighter function.
    const signer = join(dir, LIGHTER_SIGNER_DIR);
    mkdirSync(signer);
    for (const f of ['lighter-signer.wasm', 'wasm_exec.js'])
      copyFileSync(join(REPO_ROOT, 'node_modules/lighter-ts-sdk/wasm', f), join(signer, f));
    const key = randomBytes(40).toString('hex');
    // The bundle alone, in a directory without node_modules, as Lambda runs it.
    const run = () =>
      execFileSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(out)}).handler({ key: ${JSON.stringify(key)} }).then((r) => console.log(JSON.stringify(r)), (e) => console.log('ERR ' + e.message))`,
        ],
        {
          encoding: 'utf8',
          cwd: dir,
          env: { PATH: process.env.PATH, GRIDBOT_LIGHTER_SIGNER_DIR: signer, NODE_NO_WARNINGS: '1' },
        },
      ).trim();
    const text = run();
    const res = JSON.parse(text.split('\n').pop()!) as { txType: number; tx: Record<string, unknown> };
    expect(res.txType).toBe(14);
    expect(res.tx).toMatchObject({ AccountIndex: 9, ApiKeyIndex: 4, ClientOrderIndex: 7, Nonce: 3 });
    expect(text).not.toContain(key);
    // A signer file that is not the reviewed one (another version, a tampered copy) never runs.
    appendFileSync(join(signer, 'wasm_exec.js'), '\nglobalThis.leaked = true;\n');
    const tampered = run();
    expect(tampered).toMatch(/ERR .*wasm_exec\.js is not the reviewed lighter-ts-sdk 1\.1\.0-beta\.1 file/);
    expect(tampered).not.toContain(key);
  }, 60_000);
});
