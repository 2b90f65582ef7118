/**
 * The Spot worker's fallback function as AWS runs it: the real ECS client against a local ECS (which
 * keeps the service's deployments) and the real SNS notifier against a local SNS. The events are the
 * ones EventBridge delivers: ECS's `ECS Service Action` placement failure (shape as ECS documents it) and
 * the periodic rule's fixed `{ "action": "check" }`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { workerCapacityHandler } from '../../shared/composition/worker-capacity-lambda.js';
import { type LocalEcs, startLocalEcs } from '../support/aws/ecs-server.js';
import { LOCAL_AWS_CREDENTIALS } from '../support/aws/local-http-server.js';
import { type LocalSns, startLocalSns } from '../support/aws/sns-server.js';

const HOUR = 3600_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
let now = T0;
let ecs: LocalEcs;
let sns: LocalSns;
let topicArn: string;
const saved = { ...process.env };

beforeAll(async () => {
  [ecs, sns] = await Promise.all([startLocalEcs({ now: () => now }), startLocalSns()]);
  topicArn = sns.createTopic('alerts');
  process.env.AWS_ACCESS_KEY_ID = LOCAL_AWS_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_AWS_CREDENTIALS.secretAccessKey;
});

afterAll(async () => {
  process.env = saved;
  await Promise.all([ecs?.stop(), sns?.stop()]);
});

let out: string[];
beforeEach(() => {
  now = T0;
  out = [];
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
});
afterEach(() => vi.restoreAllMocks());

function handler() {
  return workerCapacityHandler(
    {
      AWS_REGION: 'ap-northeast-1',
      GRIDBOT_WORKER_CLUSTER: ecs.cluster,
      GRIDBOT_WORKER_SERVICE: ecs.service,
      GRIDBOT_TOPIC_ARN: topicArn,
      GRIDBOT_ECS_ENDPOINT: ecs.endpoint,
      GRIDBOT_SNS_ENDPOINT: sns.endpoint,
    },
    { now: () => now },
  );
}

/** ECS's event when a service's task cannot be placed (fields as the ECS developer guide shows them). */
function placementFailure(reason = 'RESOURCE:FARGATE') {
  return {
    version: '0',
    id: 'b0c8b8a4-0000-4000-8000-000000000001',
    'detail-type': 'ECS Service Action',
    source: 'aws.ecs',
    account: '123456789012',
    time: new Date(now).toISOString(),
    region: 'ap-northeast-1',
    resources: [`arn:aws:ecs:ap-northeast-1:123456789012:service/${ecs.cluster}/${ecs.service}`],
    detail: {
      eventType: 'ERROR',
      eventName: 'SERVICE_TASK_PLACEMENT_FAILURE',
      clusterArn: `arn:aws:ecs:ap-northeast-1:123456789012:cluster/${ecs.cluster}`,
      capacityProviderArns: ['arn:aws:ecs:ap-northeast-1:123456789012:capacity-provider/FARGATE_SPOT'],
      reason,
      createdAt: new Date(now).toISOString(),
    },
  };
}

const SPOT = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
const ON_DEMAND = [{ capacityProvider: 'FARGATE', weight: 1 }];
const updates = () => ecs.calls.filter((c) => c.operation === 'UpdateService');
const primary = () => ecs.deployments.find((d) => d.status === 'PRIMARY');
const alertsSince = (n: number) =>
  sns.published
    .slice(n)
    .map((m) => JSON.parse(m.attributes.alert!.value) as { code: string; severity: string });

describe('the worker capacity function', () => {
  it('moves a Spot worker ECS cannot place to on-demand Fargate once, however many failures ECS reports', async () => {
    ecs.deployedOn({ capacityProviderStrategy: SPOT }, T0 - HOUR);
    const before = { updates: updates().length, alerts: sns.published.length };
    const h = handler();
    const first = await h(placementFailure());
    expect(first).toMatchObject({ from: 'FARGATE_SPOT', decision: { move: 'FARGATE' } });
    const sent = updates().slice(before.updates);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.input).toMatchObject({
      cluster: ecs.cluster,
      service: ecs.service,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 0 }],
      forceNewDeployment: true,
    });
    expect(sent[0]!.signedBy).toBe(LOCAL_AWS_CREDENTIALS.accessKeyId);
    expect(primary()?.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE', weight: 1, base: 0 },
    ]);
    expect(alertsSince(before.alerts)).toEqual([
      expect.objectContaining({ code: 'worker_spot_fallback', severity: 'warning' }),
    ]);

    // ECS keeps reporting the old Spot deployment's failures while the new one starts: nothing more moves.
    now += 60_000;
    const again = await h(placementFailure());
    expect(again).toMatchObject({ from: 'FARGATE', decision: { move: null } });
    expect(updates().length).toBe(before.updates + 1);
    expect(sns.published.length).toBe(before.alerts + 1);
  });

  it('returns to Spot after a day on demand, not before, and not during a rollout', async () => {
    ecs.deployedOn({ capacityProviderStrategy: ON_DEMAND }, T0);
    const before = { updates: updates().length, alerts: sns.published.length };
    const h = handler();
    now = T0 + 23 * HOUR;
    expect(await h({ action: 'check' })).toMatchObject({ decision: { move: null } });
    expect(updates().length).toBe(before.updates);

    now = T0 + 25 * HOUR;
    const back = await h({ action: 'check' });
    expect(back).toMatchObject({ from: 'FARGATE', decision: { move: 'FARGATE_SPOT' } });
    expect(updates().length).toBe(before.updates + 1);
    expect(primary()?.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 },
    ]);
    expect(alertsSince(before.alerts)).toEqual([
      expect.objectContaining({ code: 'worker_spot_return', severity: 'info' }),
    ]);

    // Spot is still short: the new deployment fails to place, and the worker goes back on demand.
    now += 2 * 60_000;
    expect(await h(placementFailure())).toMatchObject({ decision: { move: 'FARGATE' } });
    // That deployment is rolling out: the periodic check leaves it alone even a day later.
    now += 25 * HOUR;
    expect(await h({ action: 'check' })).toMatchObject({
      decision: { move: null, why: 'a rollout is in progress' },
    });
    ecs.settle();
    expect(await h({ action: 'check' })).toMatchObject({ decision: { move: 'FARGATE_SPOT' } });
  });

  it('moves a Spot deployment with no task 5 minutes on, when the failure event never came', async () => {
    ecs.deployedOn({ capacityProviderStrategy: SPOT }, T0, { running: 0 });
    const before = updates().length;
    const h = handler();
    now = T0 + 4 * 60_000;
    expect(await h({ action: 'check' })).toMatchObject({ decision: { move: null } });
    now = T0 + 5 * 60_000;
    expect(await h({ action: 'check' })).toMatchObject({
      from: 'FARGATE_SPOT',
      decision: { move: 'FARGATE' },
    });
    expect(updates().length).toBe(before + 1);
    // A running Spot worker is left alone, however old its deployment.
    ecs.deployedOn({ capacityProviderStrategy: SPOT }, T0 - 30 * 24 * HOUR);
    expect(await h({ action: 'check' })).toMatchObject({ decision: { move: null, why: 'on Spot' } });
    expect(updates().length).toBe(before + 1);
  });

  it('moves nothing for a failure that is not about capacity, or that is older than the newest deployment', async () => {
    ecs.deployedOn({ capacityProviderStrategy: SPOT }, T0);
    const before = updates().length;
    const h = handler();
    expect(await h(placementFailure('RESOURCE:ENI'))).toMatchObject({ decision: { move: null } });
    const late = { ...placementFailure(), time: new Date(T0 - 60_000).toISOString() };
    expect(await h(late)).toMatchObject({
      decision: { move: null, why: 'the event is older than the newest deployment' },
    });
    expect(updates().length).toBe(before);
    // An event's time has whole seconds: one stamped in the second the deployment was created is its own.
    ecs.deployedOn({ capacityProviderStrategy: SPOT }, T0 + 500, { running: 0 });
    expect(await h(placementFailure())).toMatchObject({ decision: { move: 'FARGATE' } });
    expect(updates().length).toBe(before + 1);
    ecs.deployedOn({ capacityProviderStrategy: SPOT }, T0);
    // An odd form is no reason to refuse a real failure: a long reason is cut, a bad time is taken as now.
    const odd = { ...placementFailure(`RESOURCE:FARGATE ${'x'.repeat(2000)}`), time: 'yesterday' };
    expect(await h(odd)).toMatchObject({ decision: { move: 'FARGATE' } });
    expect(updates().length).toBe(before + 2);
  });

  it('leaves a worker that runs on demand by choice (a launch type) alone', async () => {
    ecs.deployedOn({ launchType: 'FARGATE' }, T0 - 48 * HOUR);
    const before = updates().length;
    const h = handler();
    expect(await h(placementFailure('RESOURCE:FARGATE'))).toMatchObject({
      from: null,
      decision: { move: null },
    });
    expect(await h({ action: 'check' })).toMatchObject({ from: null, decision: { move: null } });
    expect(updates().length).toBe(before);
  });

  it('refuses, logs and counts what is not its event, and asks ECS nothing', async () => {
    ecs.deployedOn({ capacityProviderStrategy: SPOT }, T0 - HOUR);
    const calls = ecs.calls.length;
    const h = handler();
    const other = { ...placementFailure(), detail: { eventType: 'INFO', eventName: 'SERVICE_STEADY_STATE' } };
    for (const event of [other, { action: 'shutdown' }, 'spot-retry', null, { source: 'aws.ecs' }])
      expect(await h(event)).toEqual({ refused: expect.any(String) });
    expect(ecs.calls.length).toBe(calls);
    const text = out.join('');
    expect(text).toContain('not an event this function answers');
    expect(text).toContain('WorkerCapacityRefusedEvents');
    expect(text).toContain('aws.ecs / ECS Service Action / SERVICE_STEADY_STATE');
  });

  it('fails the invocation when ECS refuses the move (Lambda retries it, then the dead-letter queue); no alert claims a move', async () => {
    ecs.deployedOn({ capacityProviderStrategy: SPOT }, T0 - HOUR);
    const alerts = sns.published.length;
    const h = handler();
    ecs.failNext('AccessDeniedException', 1);
    await expect(h(placementFailure())).rejects.toThrow(/AccessDenied|injected/);
    expect(sns.published.length).toBe(alerts);
    expect(primary()?.capacityProviderStrategy).toEqual(SPOT);
    // The retry goes through.
    expect(await h(placementFailure())).toMatchObject({ decision: { move: 'FARGATE' } });
  });

  it('names the missing environment and the way to set it', async () => {
    const h = workerCapacityHandler({ AWS_REGION: 'ap-northeast-1' });
    await expect(h({ action: 'check' })).rejects.toThrow(
      'worker capacity function: set GRIDBOT_WORKER_CLUSTER, GRIDBOT_WORKER_SERVICE, GRIDBOT_TOPIC_ARN (the stack sets them)',
    );
  });
});
