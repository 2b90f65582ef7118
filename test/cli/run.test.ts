/**
 * `gridbot run`: the bot live on one machine, against the Binance protocol server (real ccxt inside),
 * credentials from the environment, state in the embedded store on disk.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { cli } from '../support/cli.js';
import { klgConfigInput } from '../support/klg-config.js';
import { tempDir } from '../support/sim.js';

const dir = tempDir('gridbot-run-');
const account = ACCOUNTS[0];
let venue: PaperVenue;

beforeAll(async () => {
  venue = await startPaperVenue();
  venue.moveTo('DOGEUSDC', '0.185');
  writeFileSync(
    join(dir.path, 'deploy.json'),
    JSON.stringify({
      accounts: [{ id: account.id, exchange: 'binanceusdm' }],
      instances: [klgConfigInput({ account: account.id })],
    }),
  );
});
afterAll(async () => {
  await venue?.stop();
  dir.remove();
});

describe('gridbot run', () => {
  it('lays the grid out, keeps running for the time given, and stops leaving the orders in place', async () => {
    const env = {
      GRIDBOT_ACCT_A_API_KEY: account.apiKey,
      GRIDBOT_ACCT_A_SECRET: account.apiSecret,
      GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()),
    };
    const args = [
      'run',
      '--config',
      join(dir.path, 'deploy.json'),
      '--data-dir',
      join(dir.path, 'data'),
      '--env-file',
      join(dir.path, 'none.env'),
      '--for',
      '2',
    ];
    const r = await cli(args, { env });
    expect(r.err).toContain('1 instance(s) live');
    expect(r.out).toMatch(/stopped after \d+ scheduled job\(s\)/);
    expect(r.code).toBe(0);
    expect(venue.engine.openOrders(account.id, 'DOGEUSDC').filter((o) => o.side === 'BUY')).toHaveLength(4);
    expect(r.out + r.err).not.toContain(account.apiSecret);
  });

  it('refuses a bad --for with a one-line reason', async () => {
    const r = await cli(['run', '--config', join(dir.path, 'deploy.json'), '--for', 'soon']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('gridbot: --for soon: give a number of seconds > 0\n');
  });
});
