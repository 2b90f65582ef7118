import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { CallPolicy } from '../../../shared/adapters/ccxt/call-policy.js';
import type { CcxtClient } from '../../../shared/adapters/ccxt/client.js';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';

/** A client with nothing but what the policy reads between attempts. */
const client = { last_response_headers: {}, loadTimeDifference: async () => 0 } as unknown as CcxtClient;

/** The waits between the attempts of a read that keeps failing with a network error. */
async function waits(random: () => number, attempts: number): Promise<number[]> {
  const clock = new VirtualClock(0);
  const slept: number[] = [];
  const sleep = clock.sleep.bind(clock);
  clock.sleep = (ms, signal) => {
    slept.push(ms);
    return sleep(ms, signal);
  };
  const policy = new CallPolicy(client, { venue: 'binanceusdm', clock, readAttempts: attempts, random });
  const read = policy.read(async () => {
    throw new ccxt.NetworkError(
      'binanceusdm GET https://fapi.binance.com/fapi/v1/openOrders 503 Service Unavailable',
    );
  });
  const settled = read.catch((e: unknown) => e);
  while (slept.length < attempts - 1) {
    await new Promise((r) => setImmediate(r));
    if (clock.pendingTimers() > 0) await clock.advanceBy(120_000);
  }
  expect(await settled).toMatchObject({ kind: 'retryable' });
  return slept;
}

describe('REST read retries', () => {
  it('back off from 1 s, doubling to at most 60 s, each wait jittered into its upper half', async () => {
    expect(await waits(() => 0.999_999, 9)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect(await waits(() => 0, 9)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    const spread = await waits(() => 0.5, 3);
    expect(spread).toEqual([750, 1_500]);
  });
});
