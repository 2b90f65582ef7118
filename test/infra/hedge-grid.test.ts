/**
 * The ATR hedge grid in the CDK app: its three jobs scheduled at its intervals, a risk alarm, both legs'
 * accounts watched and drawn, and functions that hold both accounts' secrets and no other account's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { alarmsByName, deploymentInput, resourcesOf, type Synthesized, synthesize } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize(
    deploymentInput({
      accounts: [
        { id: 'a', exchange: 'binanceusdm' },
        { id: 'b', exchange: 'binanceusdm' },
        { id: 'c', exchange: 'binanceusdm' },
      ],
      instances: [
        {
          id: 'hedge1',
          strategy: 'atr_hedge_grid',
          symbol: 'DOGE/USDT:USDT',
          accounts: { long: 'a', short: 'b' },
          recompute_interval_sec: 900,
        },
        {
          id: 'other',
          strategy: 'key_level_grid',
          account: 'c',
          symbol: 'DOGE/USDC:USDC',
          levels: { source: 'manual', prices: ['0.15', '0.16'] },
          base_amount_per_grid: '100',
        },
      ],
    }),
    { createSecrets: false, dashboards: true },
  );
});

describe('the ATR hedge grid in the CDK app', () => {
  it('schedules recon, recompute and risk at its intervals', () => {
    const template = s.instances.find((t) => JSON.stringify(t.toJSON()).includes('hedge1-recon'))!;
    const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule').map(([, r]) => r.Properties);
    const byName = Object.fromEntries(schedules.map((p) => [p.Name, p.ScheduleExpression]));
    expect(byName).toMatchObject({
      'hedge1-recon': 'rate(1 minute)',
      'hedge1-recompute': 'rate(15 minutes)',
      'hedge1-risk': 'rate(1 minute)',
    });
    const alarms = Object.keys(alarmsByName(template));
    expect(alarms.some((n) => n.includes('hedge1') && n.includes('RiskBreaches'))).toBe(true);
    expect(alarms.some((n) => n.includes('Heartbeat') && n.includes('Account-a'))).toBe(true);
    expect(alarms.some((n) => n.includes('Heartbeat') && n.includes('Account-b'))).toBe(true);
  });

  it('draws a position line per leg on the dashboard', () => {
    const template = s.instances.find((t) => JSON.stringify(t.toJSON()).includes('hedge1-recon'))!;
    const body = JSON.stringify(
      resourcesOf(template, 'AWS::CloudWatch::Dashboard').map(([, r]) => r.Properties),
    );
    expect(body).toContain('Position per leg');
    expect(body).toContain('LegPosition');
    expect(body).toContain('long leg');
    expect(body).toContain('short leg');
  });

  it("lets its functions read both legs' secrets and not another instance's account", () => {
    const policies = resourcesOf(s.trading, 'AWS::IAM::Policy').map(([id, r]) => [
      id,
      JSON.stringify(r.Properties.PolicyDocument),
    ]);
    const recon = (account: string) => policies.find(([id]) => id!.startsWith(`recon${account}Role`))![1]!;
    for (const account of ['a', 'b']) {
      expect(recon(account)).toContain('secret:gridbot/a-??????');
      expect(recon(account)).toContain('secret:gridbot/b-??????');
      expect(recon(account)).not.toContain('secret:gridbot/c-??????');
    }
    expect(recon('c')).not.toContain('secret:gridbot/a-??????');
  });
});
