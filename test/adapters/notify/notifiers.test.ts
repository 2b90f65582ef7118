import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JsonConsoleLogger, LineRecorder, Redactor } from '../../../shared/adapters/logging/index.js';
import { RecordingMetrics } from '../../../shared/adapters/metrics/index.js';
import {
  LogNotifier,
  MAX_SUBJECT_LENGTH,
  MemoryNotifier,
  SnsNotifier,
  type SnsNotifierOptions,
} from '../../../shared/adapters/notify/index.js';
import type { Alert } from '../../../shared/domain/commands.js';
import { Credentials } from '../../../shared/ports/secrets.js';
import { findLeaks } from '../../support/aws/leak-scan.js';
import { LOCAL_AWS_CREDENTIALS } from '../../support/aws/local-http-server.js';
import { type LocalSns, startLocalSns } from '../../support/aws/sns-server.js';

function alert(over: Partial<Alert> = {}): Alert {
  return {
    kind: 'Alert',
    instanceId: 'klg-btc',
    severity: 'critical',
    code: 'stop_loss_triggered',
    message: 'Stop loss filled at 58000.1; grid paused',
    data: { price: '58000.1', holdings: '0.012' },
    ...over,
  };
}

describe('SNS notifier (real SDK against a local SNS)', () => {
  let sns: LocalSns;
  let topicArn: string;

  beforeAll(async () => {
    sns = await startLocalSns();
    topicArn = sns.createTopic('gridbot-alerts');
  });
  afterAll(async () => {
    await sns?.stop();
  });

  let logs: LineRecorder;
  let metrics: RecordingMetrics;
  let redactor: Redactor;
  beforeEach(() => {
    logs = new LineRecorder();
    metrics = new RecordingMetrics();
    redactor = new Redactor();
  });

  function notifier(over: Partial<SnsNotifierOptions> = {}): SnsNotifier {
    return new SnsNotifier({
      topicArn,
      endpoint: sns.endpoint,
      region: 'us-east-1',
      clientConfig: { credentials: LOCAL_AWS_CREDENTIALS, maxAttempts: 1 },
      logger: new JsonConsoleLogger({ redactor, write: logs.write }),
      metrics,
      redactor,
      now: () => Date.UTC(2026, 5, 1, 12, 0, 0),
      ...over,
    });
  }

  it('publishes subject, body and filterable attributes', async () => {
    const before = sns.published.length;
    const n = notifier();
    await n.notify(alert());
    const sent = sns.published.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      topicArn,
      subject: 'gridbot CRITICAL klg-btc: stop_loss_triggered',
      signedBy: 'AKIALOCALTEST',
      attributes: {
        severity: { dataType: 'String', value: 'critical' },
        code: { dataType: 'String', value: 'stop_loss_triggered' },
        instance: { dataType: 'String', value: 'klg-btc' },
      },
    });
    expect(sent[0]!.message).toBe(
      [
        '[CRITICAL] stop_loss_triggered on instance klg-btc',
        '',
        'Stop loss filled at 58000.1; grid paused',
        '',
        'instance: klg-btc',
        'severity: critical',
        'code: stop_loss_triggered',
        'time: 2026-06-01T12:00:00.000Z',
        'data:',
        '  price: 58000.1',
        '  holdings: 0.012',
      ].join('\n'),
    );
    expect([n.delivered, n.failed]).toEqual([1, 0]);
  });

  it('shortens a long subject and makes it one line of printable ASCII, which SNS accepts', async () => {
    const before = sns.published.length;
    await notifier().notify(
      alert({
        instanceId: 'klg-€-very-long-instance-name\nwith-a-break',
        code: `drawdown_${'x'.repeat(120)}`,
      }),
    );
    const [sent] = sns.published.slice(before);
    expect(sent!.subject!.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(sent!.subject).toMatch(
      /^gridbot CRITICAL klg-\?-very-long-instance-name with-a-break: drawdown_x+\.\.\.$/,
    );
  });

  it('redacts secrets from the subject, message and data', async () => {
    const creds = new Credentials('alertKey12345', 'alertSecret678');
    redactor.registerCredentials(creds);
    const before = sns.published.length;
    await notifier().notify(
      alert({
        code: `auth_${creds.apiKey}`,
        message: `exchange refused key ${creds.apiKey}`,
        data: { apiSecret: creds.secret, url: `https://x/?signature=abc&k=${creds.secret}` },
      }),
    );
    const [sent] = sns.published.slice(before);
    const attributes = JSON.stringify(sent!.attributes);
    expect(
      findLeaks(`${sent!.subject}\n${sent!.message}\n${attributes}`, [creds.apiKey, creds.secret]),
    ).toEqual([]);
    expect(sent!.message).toContain('apiSecret: [redacted]');
  });

  it('when SNS fails then notify resolves, logs the alert text and counts the failure', async () => {
    const n = notifier();
    sns.failNext(500);
    await expect(n.notify(alert())).resolves.toBeUndefined();
    expect([n.delivered, n.failed]).toEqual([0, 1]);
    expect(metrics.sum('AlertDeliveryFailed', { instance: 'klg-btc' })).toBe(1);
    const [line] = logs.records();
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'alert delivery failed',
      instanceId: 'klg-btc',
      code: 'stop_loss_triggered',
      subject: 'gridbot CRITICAL klg-btc: stop_loss_triggered',
    });
    expect(String(line!.alert)).toContain('Stop loss filled at 58000.1');
    expect((line!.error as Record<string, unknown>).name).toBe('InternalErrorException');
  });

  it('when the topic does not exist then notify resolves and the failure is counted', async () => {
    const n = notifier({ topicArn: 'arn:aws:sns:us-east-1:123456789012:missing' });
    await n.notify(alert());
    expect(n.failed).toBe(1);
    expect((logs.records()[0]!.error as Record<string, unknown>).name).toBe('NotFoundException');
  });

  it('when nothing listens at the endpoint then notify resolves and the failure is counted', async () => {
    const n = notifier({ endpoint: 'http://127.0.0.1:9' });
    await n.notify(alert());
    expect(n.failed).toBe(1);
  });

  it('makes no request when constructed, and needs a topic', () => {
    const before = sns.requests;
    notifier();
    expect(sns.requests).toBe(before);
    expect(() => new SnsNotifier({ topicArn: '' })).toThrow('topicArn');
  });
});

describe('log notifier', () => {
  it('logs each alert at the level its severity calls for, with its facts', async () => {
    const logs = new LineRecorder();
    const n = new LogNotifier(new JsonConsoleLogger({ redactor: new Redactor(), write: logs.write }));
    await n.notify(alert());
    await n.notify(alert({ severity: 'warning', code: 'consistency_guard', data: undefined }));
    await n.notify(alert({ severity: 'info', code: 'rebuild_done' }));
    expect(logs.records().map((r) => [r.level, r.code])).toEqual([
      ['ERROR', 'stop_loss_triggered'],
      ['WARN', 'consistency_guard'],
      ['INFO', 'rebuild_done'],
    ]);
    expect(logs.records()[0]).toMatchObject({
      message: 'alert',
      instanceId: 'klg-btc',
      alert: 'Stop loss filled at 58000.1; grid paused',
      data: { price: '58000.1' },
    });
    expect(n.count).toBe(3);
  });

  it('never throws, even when the logger does', async () => {
    const broken = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: () => {
        throw new Error('disk full');
      },
      child: () => broken,
    };
    const n = new LogNotifier(broken);
    await expect(n.notify(alert())).resolves.toBeUndefined();
    expect(n.count).toBe(0);
  });
});

describe('memory notifier', () => {
  it('keeps alerts in order and finds them by code', async () => {
    const n = new MemoryNotifier();
    await n.notify(alert());
    await n.notify(alert({ code: 'x' }));
    expect(n.alerts.map((a) => a.code)).toEqual(['stop_loss_triggered', 'x']);
    expect(n.ofCode('x')).toHaveLength(1);
  });
});
