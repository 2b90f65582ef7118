/**
 * Telegram in the CDK app (issue 20): with `telegram:` the deployment gets a retained secret for the bot
 * (token placeholder, generated webhook secret) and one Telegram function, the only reader of that
 * secret: alerts reach it from the topic through a queue that gathers them for `batch_seconds`; with
 * commands on, a public function URL serves the webhook and its role may invoke the admin functions. No
 * trading function may read the bot's secret. cdk-nag stays clean.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentInput, resourcesOf, type Synthesized, synthesize } from './synth.js';

const telegram = { chats: [123456789] };
let on: Synthesized;
let alertsOnly: Synthesized;
beforeAll(() => {
  on = synthesize(deploymentInput({ telegram }), { createSecrets: true });
  alertsOnly = synthesize(deploymentInput({ telegram: { ...telegram, commands: false } }), {
    createSecrets: true,
  });
});

const text = (x: unknown) => JSON.stringify(x);

describe('Telegram in the CDK app', () => {
  it('keeps the bot token and a generated webhook secret in a retained secret', () => {
    const secrets = resourcesOf(on.stateful, 'AWS::SecretsManager::Secret').map(([, r]) => r);
    const bot = secrets.find((r) => r.Properties.Name === 'gridbot/telegram') as
      | { Properties: Record<string, unknown>; DeletionPolicy?: string }
      | undefined;
    expect(bot).toBeDefined();
    expect(text(bot!.Properties.GenerateSecretString)).toContain('"GenerateStringKey":"password"');
    expect(bot!.DeletionPolicy).toBe('Retain');
  });

  it('serves the webhook from a public function URL whose role reads the bot secret and invokes admin functions only', () => {
    const urls = resourcesOf(on.trading, 'AWS::Lambda::Url').map(([, r]) => r.Properties);
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatchObject({ AuthType: 'NONE' });
    const fns = resourcesOf(on.trading, 'AWS::Lambda::Function').map(
      ([id, r]) => [id, r.Properties] as const,
    );
    const hook = fns.find(([id]) => id.startsWith('Telegram'));
    expect(hook).toBeDefined();
    const env = (hook![1].Environment as { Variables: Record<string, unknown> }).Variables;
    expect(text(env.GRIDBOT_ADMIN_FUNCTIONS)).toContain('dogeklg');
    expect(env.GRIDBOT_TABLE).toBeUndefined();
    const policies = resourcesOf(on.trading, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('Telegram'));
    const actions = policies.flatMap(([, r]) =>
      (r.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]),
      ),
    );
    expect(actions).toContain('lambda:InvokeFunction');
    expect(actions.some((a) => a.startsWith('secretsmanager:GetSecretValue'))).toBe(true);
    expect(actions.some((a) => a.startsWith('dynamodb:'))).toBe(false);
    // Only the Telegram function may read the bot's secret: no trading process talks to Telegram.
    const readers = resourcesOf(on.trading, 'AWS::IAM::Policy')
      .filter(([, r]) => text(r.Properties).includes('secretsmanager:GetSecretValue'))
      .filter(([, r]) => text(r.Properties).includes('telegram'))
      .map(([id]) => id);
    expect(readers.length).toBeGreaterThan(0);
    expect(readers.every((id) => id.startsWith('Telegram'))).toBe(true);
  });

  it('feeds alerts from the topic through an encrypted queue that gathers them for batch_seconds', () => {
    const subs = resourcesOf(on.trading, 'AWS::SNS::Subscription').map(([, r]) => r.Properties);
    expect(subs.some((p) => p.Protocol === 'sqs')).toBe(true);
    const mappings = resourcesOf(on.trading, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
    expect(mappings).toEqual([
      expect.objectContaining({ BatchSize: 100, MaximumBatchingWindowInSeconds: 10 }),
    ]);
    const queues = resourcesOf(on.trading, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('Telegram'));
    expect(queues).toHaveLength(2);
    for (const [, q] of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('keeps fills told as alerts out of the mailbox: the e-mail subscription filters their code', () => {
    const email = resourcesOf(on.trading, 'AWS::SNS::Subscription')
      .map(([, r]) => r.Properties)
      .find((p) => p.Protocol === 'email');
    expect(email?.FilterPolicy).toEqual({ code: [{ 'anything-but': ['fill'] }] });
  });

  it('alerts only: the function and its queue, but no webhook', () => {
    expect(resourcesOf(alertsOnly.trading, 'AWS::Lambda::Url')).toEqual([]);
    expect(resourcesOf(alertsOnly.trading, 'AWS::Lambda::EventSourceMapping')).toHaveLength(1);
    expect(
      resourcesOf(alertsOnly.stateful, 'AWS::SecretsManager::Secret').some(
        ([, r]) => r.Properties.Name === 'gridbot/telegram',
      ),
    ).toBe(true);
  });
});
