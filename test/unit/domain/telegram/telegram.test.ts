/**
 * Telegram's pure parts (issue 20): commands as typed on a phone, the confirmation button's data, which
 * alerts go, and the batcher's promises (property-tested): every alert in exactly one message, never
 * more than the per-minute limit in any 60 s, a critical alert not held for the window.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../../shared/domain/commands.js';
import { telegramSchema } from '../../../../shared/domain/config/telegram.js';
import { AlertBatcher, formatAlerts, wantsAlert } from '../../../../shared/domain/telegram/alerts.js';
import {
  confirmData,
  parseChatCommand,
  parseConfirmData,
} from '../../../../shared/domain/telegram/commands.js';

const INSTANCES = ['btcklg', 'pairs1'];

describe('commands typed in the chat', () => {
  it('reads each command with its instance and arguments', () => {
    expect(parseChatCommand('/status', INSTANCES)).toEqual({
      kind: 'command',
      command: 'status',
      instanceId: null,
    });
    expect(parseChatCommand('/status pairs1', INSTANCES)).toMatchObject({ instanceId: 'pairs1' });
    expect(parseChatCommand('/pause btcklg going to lunch', INSTANCES)).toEqual({
      kind: 'command',
      command: 'pause',
      instanceId: 'btcklg',
      reason: 'going to lunch',
    });
    expect(parseChatCommand('/resetcounters btcklg', INSTANCES)).toMatchObject({ command: 'reset-counters' });
    expect(parseChatCommand('/closeall@gridbot_bot pairs1 normal', INSTANCES, 'gridbot_bot')).toMatchObject({
      command: 'close-all',
      instanceId: 'pairs1',
      urgency: 'normal',
    });
    expect(parseChatCommand('/help', INSTANCES)).toEqual({ kind: 'help' });
    expect(parseChatCommand('/start', INSTANCES)).toEqual({ kind: 'help' });
  });

  it('the one instance of a deployment may be left out; with several it may not', () => {
    expect(parseChatCommand('/pause', ['solo'])).toMatchObject({ command: 'pause', instanceId: 'solo' });
    expect(parseChatCommand('/pause', INSTANCES)).toMatchObject({
      kind: 'invalid',
      reply: expect.stringMatching(/needs an instance/),
    });
  });

  it('says what is wrong: an unknown command, an unknown instance, a bad urgency, extra words', () => {
    expect(parseChatCommand('/sell everything', INSTANCES)).toMatchObject({
      kind: 'invalid',
      reply: expect.stringMatching(/unknown command \/sell/),
    });
    expect(parseChatCommand('/rebuild ethgrid', INSTANCES)).toMatchObject({
      reply: expect.stringMatching(/no instance "ethgrid"/),
    });
    expect(parseChatCommand('/closeall pairs1 now', INSTANCES)).toMatchObject({ kind: 'invalid' });
    expect(parseChatCommand('/resume pairs1 please', INSTANCES)).toMatchObject({ kind: 'invalid' });
  });

  it('ignores chat text and commands addressed to another bot', () => {
    expect(parseChatCommand('hello', INSTANCES)).toEqual({ kind: 'none' });
    expect(parseChatCommand('/status@otherbot', INSTANCES, 'gridbot_bot')).toEqual({ kind: 'none' });
  });

  it('a confirmation button carries command, instance, urgency and token in ≤ 64 bytes, and reads back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('rebuild', 'reset-counters', 'close-all' as const),
        fc.stringMatching(/^[a-z0-9]{1,12}$/),
        fc.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        fc.constantFrom('normal', 'emergency' as const),
        (command, instance, token, urgency) => {
          const data = confirmData(command, instance, token, urgency);
          expect(new TextEncoder().encode(data).length).toBeLessThanOrEqual(64);
          const back = parseConfirmData(data)!;
          expect(back).toMatchObject({ command, instanceId: instance, token });
          if (command === 'close-all') expect(back.urgency).toBe(urgency);
        },
      ),
    );
    expect(parseConfirmData('ok:xx:pairs1:abcdefghij')).toBeNull();
    expect(parseConfirmData('no')).toBeNull();
  });
});

const alert = (severity: Alert['severity'], code = 'stop_missing', instanceId = 'btcklg'): Alert => ({
  kind: 'Alert',
  instanceId,
  severity,
  code,
  message: `${code} <now> & then`,
  data: { holdings: '0.5', positionValue: '47500.00' },
});

describe('which alerts go', () => {
  const cfg = telegramSchema.parse({ chats: [1] }).alerts;
  it('by severity floor, code list and exclusions; fills only when asked', () => {
    expect(wantsAlert(alert('info'), cfg)).toBe(false);
    expect(wantsAlert(alert('warning'), cfg)).toBe(true);
    expect(wantsAlert(alert('critical', 'drawdown'), { ...cfg, exclude_codes: ['drawdown'] })).toBe(false);
    expect(wantsAlert(alert('critical', 'drawdown'), { ...cfg, codes: ['stop_missing'] })).toBe(false);
    expect(wantsAlert(alert('info', 'fill'), cfg)).toBe(false);
    expect(wantsAlert(alert('info', 'fill'), { ...cfg, fills: true })).toBe(true);
  });

  it('reads on a phone: instance, code, what happened (escaped), the position and its value, what to do', () => {
    const text = formatAlerts([
      alert('warning'),
      alert('warning'),
      alert('critical', 'close_all_failed', 'pairs1'),
    ]);
    expect(text).toContain('<b>btcklg</b> · <code>stop_missing</code>');
    expect(text).toContain('stop_missing &lt;now&gt; &amp; then');
    expect(text).toContain('Position 0.5 (≈ 47500.00 quote)');
    expect(text).toContain('(×2, the latest shown)');
    expect(text).toContain('→ close what is left by hand');
    const many = formatAlerts(Array.from({ length: 400 }, (_, i) => alert('warning', `code_${i}`)));
    expect(many.length).toBeLessThan(4096);
    expect(many).toMatch(/… and \d+ more alert\(s\)/);
  });
});

describe('the batcher', () => {
  it('holds a burst for the window, sends it as one, and a critical alert at once', () => {
    const b = new AlertBatcher({ windowMs: 10_000, maxPerMinute: 5 });
    b.add(alert('warning'), 0);
    b.add(alert('warning'), 3_000);
    expect(b.take(5_000)).toBeNull();
    expect(b.dueAt(5_000)).toBe(10_000);
    expect(b.take(10_000)).toHaveLength(2);
    b.add(alert('critical'), 11_000);
    expect(b.take(11_000)).toHaveLength(1);
  });

  it('property: every alert in exactly one message, at most the limit in any minute, nothing left behind', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 20_000 }), critical: fc.boolean() }), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 60 }),
        (arrivals, maxPerMinute, windowSec) => {
          const b = new AlertBatcher({ windowMs: windowSec * 1000, maxPerMinute });
          const sentAt: number[] = [];
          let delivered = 0;
          let now = 0;
          const drain = (until: number) => {
            for (let due = b.dueAt(now); due !== null && due <= until; due = b.dueAt(now)) {
              now = Math.max(now, due);
              const batch = b.take(now);
              if (batch) {
                sentAt.push(now);
                delivered += batch.length;
              } else now += 1;
            }
            now = Math.max(now, until);
          };
          arrivals.forEach((a, i) => {
            drain(now + a.gap);
            b.add({ ...alert(a.critical ? 'critical' : 'warning'), code: `c${i}` }, now);
            if (a.critical) {
              const batch = b.take(now);
              if (batch) {
                sentAt.push(now);
                delivered += batch.length;
              }
            }
          });
          drain(now + 10 * 60_000);
          expect(delivered).toBe(arrivals.length);
          expect(b.pending).toBe(0);
          for (const t of sentAt)
            expect(sentAt.filter((s) => s > t - 60_000 && s <= t).length).toBeLessThanOrEqual(maxPerMinute);
        },
      ),
      { numRuns: 300 },
    );
  });
});
