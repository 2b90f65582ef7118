/**
 * The CDK app plans an instance from its strategy (legs, jobs and their intervals, monitoring needs), not
 * from Key Level Grid fields: the toy pair (two legs on two accounts, recon only, no risk job) synthesizes
 * with one schedule, no risk alarm, both accounts' heartbeats, and functions that read both accounts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { registerToyPair, toyInput } from '../support/strategies/toy/index.js';
import { alarmsByName, deploymentInput, resourcesOf, type Synthesized, synthesize } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  registerToyPair();
  s = synthesize(
    deploymentInput({
      accounts: [
        { id: 'a', exchange: 'binanceusdm' },
        { id: 'b', exchange: 'binanceusdm' },
      ],
      instances: [toyInput],
    }),
    // Existing secrets, referenced by name, so the policies name them.
    { createSecrets: false },
  );
});

describe('a strategy other than the Key Level Grid in the CDK app', () => {
  it('schedules only the jobs its strategy runs, at its intervals, on its first leg account', () => {
    const schedules = resourcesOf(s.instances[0]!, 'AWS::Scheduler::Schedule').map(([, r]) => r.Properties);
    expect(schedules.map((p) => p.Name)).toEqual(['toy1-recon']);
    expect(schedules[0]!.ScheduleExpression).toBe('rate(1 minute)');
    expect(JSON.stringify(schedules[0]!.Target)).toMatch(/reconaFunction/);
  });

  it('alarms on recon, not on a risk job it does not have', () => {
    const names = Object.keys(alarmsByName(s.instances[0]!));
    expect(names.some((n) => n.includes('toy1') && n.includes('Recon'))).toBe(true);
    expect(names.filter((n) => n.includes('RiskBreaches'))).toEqual([]);
    // Each leg account's heartbeat is watched.
    const platform = Object.keys(alarmsByName(s.instances[0]!)).filter((n) => n.includes('Heartbeat'));
    expect(platform.some((n) => n.includes('Account-a'))).toBe(true);
    expect(platform.some((n) => n.includes('Account-b'))).toBe(true);
  });

  it("lets the functions of either leg's account read both accounts' secrets", () => {
    const policies = resourcesOf(s.trading, 'AWS::IAM::Policy').map(([id, r]) => [
      id,
      JSON.stringify(r.Properties.PolicyDocument),
    ]);
    const recon = (account: string) => policies.find(([id]) => id!.startsWith(`recon${account}Role`))![1]!;
    for (const account of ['a', 'b']) {
      expect(recon(account)).toContain('secret:gridbot/a-??????');
      expect(recon(account)).toContain('secret:gridbot/b-??????');
    }
  });
});
