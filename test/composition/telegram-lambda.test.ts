/**
 * The Telegram function as AWS runs it (issue 20): the bot secret from a local Secrets Manager, the
 * config from GRIDBOT_CONFIG, the real grammY client against a local Bot API server. Alerts come the way
 * AWS delivers them: published by the runtime's SNS notifier (to a local SNS), then handed over in one
 * queue batch (the SNS-in-SQS envelope AWS documents, built here: no queue runs locally). The batch
 * arrives as one message per allowed chat; a malformed message is dropped and counted, not retried; a
 * webhook call with a wrong secret token is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../shared/adapters/logging/index.js';
import { SnsNotifier } from '../../shared/adapters/notify/index.js';
import { telegramHandler } from '../../shared/composition/telegram-lambda.js';
import type { Alert } from '../../shared/domain/commands.js';
import { LOCAL_AWS_CREDENTIALS } from '../support/aws/local-http-server.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../support/aws/secrets-manager-server.js';
import { type LocalSns, startLocalSns } from '../support/aws/sns-server.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { type BotApiServer, startBotApiServer } from '../support/telegram/bot-api-server.js';

const CHATS = [1001, 1002];
let sns: LocalSns;
let sm: LocalSecretsManager;
let bot: BotApiServer;
let handler: ReturnType<typeof telegramHandler>;
const saved = { ...process.env };

beforeAll(async () => {
  [sns, sm, bot] = await Promise.all([startLocalSns(), startLocalSecretsManager(), startBotApiServer()]);
  sm.putSecret('gridbot/telegram', JSON.stringify({ username: bot.token, password: 'hook-secret_42' }));
  process.env.AWS_ACCESS_KEY_ID = LOCAL_AWS_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_AWS_CREDENTIALS.secretAccessKey;
  handler = telegramHandler({
    AWS_REGION: 'us-east-1',
    GRIDBOT_SECRETS_ENDPOINT: sm.endpoint,
    GRIDBOT_TELEGRAM_API_ROOT: bot.apiRoot,
    GRIDBOT_ADMIN_FUNCTIONS: JSON.stringify({ dogeklg: 'gridbot-admin-main' }),
    GRIDBOT_CONFIG: JSON.stringify({
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [klgConfigInput()],
      telegram: { chats: CHATS, alerts: { min_severity: 'warning' } },
    }),
  });
});

afterAll(async () => {
  process.env = saved;
  await Promise.all([sns?.stop(), sm?.stop(), bot?.stop()]);
});

/** What SQS hands a Lambda for an SNS notification delivered to it (not raw delivery). */
function queueRecord(i: number, m: LocalSns['published'][number]) {
  return {
    messageId: `m-${i}`,
    body: JSON.stringify({
      Type: 'Notification',
      MessageId: `sns-${i}`,
      TopicArn: m.topicArn,
      Subject: m.subject,
      Message: m.message,
      Timestamp: new Date().toISOString(),
      MessageAttributes: Object.fromEntries(
        Object.entries(m.attributes).map(([k, v]) => [k, { Type: v.dataType, Value: v.value }]),
      ),
    }),
  };
}

describe('the Telegram function', () => {
  it('forwards a queue batch of alerts as one message per chat, holdings and all, dropping what is not an alert', async () => {
    const topicArn = sns.createTopic('alerts');
    const notifier = new SnsNotifier({
      topicArn,
      endpoint: sns.endpoint,
      region: 'us-east-1',
      clientConfig: { credentials: LOCAL_AWS_CREDENTIALS, maxAttempts: 1 },
      redactor: new Redactor(),
    });
    const alert = (i: number, severity: Alert['severity']): Alert => ({
      kind: 'Alert',
      instanceId: 'dogeklg',
      severity,
      code: i % 2 ? 'stop_missing' : 'drawdown',
      message: `alert ${i} <b>`,
      data: { holdings: '120', positionValue: '21.60' },
    });
    for (let i = 0; i < 12; i++) await notifier.notify(alert(i, i === 11 ? 'info' : 'warning'));
    expect(sns.published).toHaveLength(12);
    const records = sns.published.map((m, i) => queueRecord(i, m));
    records.push({ messageId: 'junk', body: '{"Type":"Notification","Message":"hello"}' });
    const out = await handler({ Records: records });
    expect(out).toEqual({ forwarded: 11 });
    for (const chat of CHATS) {
      const [message] = await bot.waitForSent(1, chat);
      expect(message!.text).toContain('(×6, the latest shown)');
      expect(message!.text).toContain('(×5, the latest shown)');
      expect(message!.text).toContain('alert 10 &lt;b&gt;');
      expect(message!.text).toContain('Position 120');
      expect(message!.text).not.toContain('alert 11');
      expect(bot.sent(chat)).toHaveLength(1);
    }
  });

  it('refuses a webhook call whose secret token is wrong, before anything runs', async () => {
    const before = bot.sent().length;
    const update = JSON.stringify({
      update_id: 9,
      message: { message_id: 1, date: 0, chat: { id: CHATS[0], type: 'private' }, text: '/pause dogeklg' },
    });
    const refused = await handler({ headers: { 'x-telegram-bot-api-secret-token': 'nope' }, body: update });
    expect(refused).toEqual({ statusCode: 401, body: '' });
    const help = await handler({
      headers: { 'x-telegram-bot-api-secret-token': 'hook-secret_42' },
      body: JSON.stringify({
        ...JSON.parse(update),
        message: { ...JSON.parse(update).message, text: '/help' },
      }),
    });
    expect(help).toEqual({ statusCode: 200, body: '' });
    const sent = await bot.waitForSent(before + 1);
    expect(sent.at(-1)!.text).toContain('/closeall');
  });
});
