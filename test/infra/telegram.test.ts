/**
 * Telegram in the CDK app (issue 20): with `telegram:` the deployment gets a retained secret for the bot
 * (token placeholder, generated webhook secret), a webhook function behind a public function URL whose
 * role reads that secret and invokes the admin functions, and nothing else; every trading process may
 * read the secret (alerts go out from each); without commands there is no webhook; cdk-nag stays clean.
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
    // Every trading process may read it: alerts go to Telegram from each.
    const readers = resourcesOf(on.trading, 'AWS::IAM::Policy').filter(([, r]) =>
      text(r.Properties).includes('telegram'),
    );
    expect(readers.length).toBeGreaterThan(2);
  });

  it('alerts only: the secret, but no webhook', () => {
    expect(resourcesOf(alertsOnly.trading, 'AWS::Lambda::Url')).toEqual([]);
    expect(
      resourcesOf(alertsOnly.stateful, 'AWS::SecretsManager::Secret').some(
        ([, r]) => r.Properties.Name === 'gridbot/telegram',
      ),
    ).toBe(true);
  });
});
