/**
 * Hedge pairs in the CDK app (issue 19): a secret per proxy login and for the mail server (created with a
 * placeholder, retained), readable by the functions and the stream worker; over SES, the sender's e-mail
 * identity and the right to send from it for the worker and the admin functions only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { pairsConfigInput } from '../support/strategies/hedge-pairs.js';
import { deploymentInput, resourcesOf, type Synthesized, synthesize } from './synth.js';

const accounts = ['a1', 'a2', 'a3', 'a4'].map((id) => ({ id, exchange: 'binanceusdm' }));
const instance = pairsConfigInput();
const proxies = [
  { id: 'px1', url: 'http://10.0.0.1:3128', auth: true },
  { id: 'px2', url: 'socks5://10.0.0.2:1080' },
];

let ses: Synthesized;
let smtp: Synthesized;
beforeAll(() => {
  ses = synthesize(
    deploymentInput({
      accounts,
      instances: [instance],
      proxies,
      proxy_assignment: 'round_robin',
      reports: { email: { to: ['ops@example.com'], from: 'gridbot@example.com', transport: 'ses' } },
    }),
    { createSecrets: true },
  );
  smtp = synthesize(
    deploymentInput({
      accounts,
      instances: [instance],
      reports: {
        email: {
          to: ['ops@example.com'],
          from: 'gridbot@example.com',
          transport: 'smtp',
          smtp: { host: 'smtp.example.com' },
        },
      },
    }),
    { createSecrets: false },
  );
});

const text = (x: unknown) => JSON.stringify(x);

describe('hedge pairs in the CDK app', () => {
  it("keeps the proxy's login in its own retained secret, with a placeholder, and none for a proxy without one", () => {
    const secrets = resourcesOf(ses.stateful, 'AWS::SecretsManager::Secret').map(([, r]) => r.Properties);
    const login = secrets.find((p) => p.Name === 'gridbot/proxy/px1');
    expect(login).toBeDefined();
    expect(text(login)).toContain('REPLACE_ME');
    expect(secrets.some((p) => p.Name === 'gridbot/proxy/px2')).toBe(false);
    expect(secrets.filter((p) => /^gridbot\/a\d$/.test(String(p.Name)))).toHaveLength(4);
  });

  it('provisions the SES sender identity and lets only the worker and the admin functions send from it', () => {
    const identities = resourcesOf(ses.trading, 'AWS::SES::EmailIdentity').map(([, r]) => r.Properties);
    expect(identities).toEqual([expect.objectContaining({ EmailIdentity: 'gridbot@example.com' })]);
    const policies = resourcesOf(ses.trading, 'AWS::IAM::Policy').map(
      ([id, r]) => [id, text(r.Properties)] as const,
    );
    const senders = policies.filter(([, p]) => p.includes('ses:SendEmail')).map(([id]) => id);
    expect(senders.length).toBe(1 + accounts.length);
    expect(senders.some((id) => id.includes('StreamWorker'))).toBe(true);
    expect(senders.filter((id) => id.includes('admin'))).toHaveLength(accounts.length);
    // Every trading process may read the proxy login (its account's traffic goes through it).
    const readers = policies.filter(
      ([, p]) => p.includes('secretsmanager:GetSecretValue') && p.includes('proxy'),
    );
    expect(readers.length).toBeGreaterThan(0);
  });

  it('over SMTP: the mail server login is a secret (referenced), and no SES identity is made', () => {
    expect(resourcesOf(smtp.trading, 'AWS::SES::EmailIdentity')).toEqual([]);
    const policies = resourcesOf(smtp.trading, 'AWS::IAM::Policy').map(([, r]) => text(r.Properties));
    expect(policies.some((p) => p.includes('gridbot/smtp'))).toBe(true);
    expect(policies.some((p) => p.includes('ses:SendEmail'))).toBe(false);
  });
});
