/**
 * Operator commands (SPEC §6): `status`, `pause`, `resume`, `rebuild`, `reset-counters`, `close-all`,
 * `preflight`, `report` (the e-mailed status report, now).
 * The last two change what the bot holds or remembers, so they need a confirmation token: the first call
 * without one returns a token (128 random bits from `ctx.newToken`, stored for five minutes, bound to the
 * command, the instance and the state version, so it goes stale the moment anything changes, and good
 * for one use), and the second call with it acts.
 *
 * Every command is refused for an instance this process does not serve (`ctx.instanceIds`: a Lambda
 * serves its own account's instances only), and every command is journaled as an `action` line naming
 * who asked (`caller`, as the CLI names the operator) and the request that carried it.
 */

import { z } from 'zod';
import { ADMIN_COMMANDS } from '../domain/admin-commands.js';
import { type Decimal, ZERO } from '../domain/money.js';
import { legsOf, strategyOf } from '../domain/strategies/index.js';
import type { InstanceConfigBase, InstanceEnvelope } from '../domain/strategy.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';
import { GridConflictError, InstanceNotFoundError, NoGridStateError } from './errors.js';
import { endFlattens, flattenInstance } from './flatten.js';
import { guardView } from './guard-rails.js';
import { loadConfig } from './instance.js';
import { SHELL } from './jobs.js';
import { settleAssetOf } from './market.js';
import { reconcileInstance } from './reconcile-instance.js';
import { sendStatusReport } from './status-report.js';
import { runtimeOf } from './strategies/index.js';

export const adminCommandSchema = z
  .object({
    command: z.enum(ADMIN_COMMANDS),
    instanceId: z.string().min(1),
    confirm: z.string().max(100).optional(),
    reason: z.string().max(200).optional(),
    /**
     * Confirm this command too, though the service does not require it (Telegram confirms `rebuild` with a
     * button): the same token, bound to the command, the instance and the state version.
     */
    askConfirmation: z.boolean().optional(),
    /** `close-all`: `emergency` (default: the closer's panic tiers) or `normal` (maker first). */
    urgency: z.enum(['normal', 'emergency']).optional(),
    /** Who is asking, as the client names them (the CLI: `user@host`); journaled with the command. */
    caller: z
      .string()
      .max(200)
      .regex(/^[\x20-\x7e]*$/, { message: 'must be printable ASCII' })
      .optional(),
  })
  .strict();

export type AdminCommand = z.infer<typeof adminCommandSchema>;

export type AdminResult =
  | {
      readonly ok: true;
      readonly command: AdminCommand['command'];
      readonly instanceId: string;
      readonly detail: unknown;
    }
  | {
      readonly ok: false;
      readonly needsConfirmation: true;
      /** What to pass as `confirm` (named so that no redactor takes it for a credential). */
      readonly confirm: string;
      readonly message: string;
    };

const CONFIRMED = new Set<AdminCommand['command']>(['reset-counters', 'close-all']);

/** How long a confirmation token may be used. */
export const CONFIRMATION_TTL_MS = 5 * 60_000;

/** Where the request came from (the Lambda request id), journaled with the command. */
export interface AdminOrigin {
  readonly requestId?: string | undefined;
}

export async function runAdminCommand(
  ctx: AppContext,
  cmd: AdminCommand,
  origin: AdminOrigin = {},
): Promise<AdminResult> {
  if (!ctx.instanceIds.includes(cmd.instanceId)) throw new InstanceNotFoundError(cmd.instanceId);
  const config = await loadConfig(ctx, cmd.instanceId);
  const strategy = strategyOf(config);
  const state: InstanceEnvelope | null = await ctx.store.loadGrid(cmd.instanceId);
  const now = ctx.clock.now();
  const audit = (outcome: string) =>
    ctx.store.appendJournal([
      {
        instanceId: cmd.instanceId,
        kind: 'action',
        time: now,
        id: `admin-${cmd.command}-${ctx.newToken().slice(0, 8)}`,
        data: {
          command: cmd.command,
          caller: cmd.caller ?? null,
          requestId: origin.requestId ?? null,
          reason: cmd.reason ?? null,
          outcome,
        },
      },
    ]);
  // A command the instance's strategy does not have is refused before any token is issued or used.
  if (
    (cmd.command === 'rebuild' || cmd.command === 'reset-counters') &&
    !runtimeOf(config).commands[cmd.command]
  )
    throw new UnsupportedCommandError(cmd.command, config.strategy);
  if (CONFIRMED.has(cmd.command) || (cmd.askConfirmation && cmd.command !== 'status')) {
    const version = state?.version ?? 0;
    const held = cmd.confirm ? await ctx.store.loadConfirmation(cmd.instanceId, cmd.confirm) : null;
    const valid =
      held !== null &&
      held.command === cmd.command &&
      held.stateVersion === version &&
      // One use: the first call that presents it claims it.
      (await ctx.store.claimOnce(
        `confirm#${cmd.instanceId}#${held.token}`,
        Math.ceil(CONFIRMATION_TTL_MS / 1000),
      ));
    if (!valid) {
      const token = ctx.newToken();
      await ctx.store.saveConfirmation({
        instanceId: cmd.instanceId,
        token,
        command: cmd.command,
        stateVersion: version,
        issuedAt: now,
        expiresAt: now + CONFIRMATION_TTL_MS,
        caller: cmd.caller ?? null,
      });
      await audit(cmd.confirm ? 'confirmation refused; new token issued' : 'confirmation token issued');
      return {
        ok: false,
        needsConfirmation: true,
        confirm: token,
        message: `${cmd.command} on ${cmd.instanceId} needs confirmation${cmd.confirm ? ' (the token given is unknown, expired, used, or the state changed since)' : ''}: repeat within ${CONFIRMATION_TTL_MS / 60_000} minutes with confirm "${token}"`,
      };
    }
  }
  await audit('accepted');
  const done = (detail: unknown): AdminResult => ({
    ok: true,
    command: cmd.command,
    instanceId: cmd.instanceId,
    detail,
  });
  const change = async (f: (cur: InstanceEnvelope) => InstanceEnvelope) => {
    const saved = await decideAndSave<null, InstanceEnvelope>(ctx, cmd.instanceId, (cur) => ({
      next: cur ? f(cur) : null,
      result: null,
    }));
    if (!saved.ok) throw new GridConflictError(cmd.instanceId, saved.attempts);
    if (!saved.state) throw new NoGridStateError(cmd.instanceId);
    return saved.state;
  };
  /** An operator command of the strategy's own (refused, naming the strategy, when it has none). */
  const own = async (name: 'rebuild' | 'reset-counters' | 'preflight') => {
    const run = runtimeOf(config).commands[name];
    if (!run) throw new UnsupportedCommandError(name, config.strategy);
    return run(ctx, cmd.instanceId, { reason: cmd.reason }, SHELL);
  };
  ctx.logger.info('admin command', { instance: cmd.instanceId, command: cmd.command });
  switch (cmd.command) {
    case 'status':
      return done(
        state
          ? {
              ...strategy.status(config, state),
              guards: guardView(config, state, await equityOf(ctx, config)),
            }
          : { instanceId: config.id, initialized: false },
      );
    case 'pause': {
      const s = await change((cur) => strategy.pause(cur, cmd.reason ?? 'operator pause', now));
      const recon = await reconcileInstance(ctx, cmd.instanceId, { force: true });
      return done({ paused: s.paused, recon });
    }
    case 'resume': {
      // The hand-over ends first: nothing keeps closing what the resumed instance trades.
      await endFlattens(ctx, config);
      const s = await change((cur) => strategy.resume(cur, now));
      const recon = await reconcileInstance(ctx, cmd.instanceId, { force: true });
      return done({ paused: s.paused, recon });
    }
    case 'rebuild':
    case 'reset-counters':
      return done(await own(cmd.command));
    case 'close-all':
      return done(await flattenInstance(ctx, cmd.instanceId, cmd.urgency ?? 'emergency', cmd.reason));
    case 'preflight': {
      // The strategy's own (the hedge grid also starts an instance it had refused), else its checks.
      const runtime = runtimeOf(config);
      if (runtime.commands.preflight) return done(await own('preflight'));
      const problems = await runtime.preflight(ctx, config, {});
      return done({ ok: problems.length === 0, problems });
    }
    case 'report':
      // The status report by e-mail now, with the alerts of the last day.
      return done(await sendStatusReport(ctx, cmd.instanceId, now - 24 * 3_600_000));
  }
}

/** An operator command the instance's strategy does not have. */
export class UnsupportedCommandError extends Error {
  constructor(command: string, strategy: string) {
    super(`${command} is not a command of strategy ${strategy}`);
    this.name = 'UnsupportedCommandError';
  }
}

/**
 * The equity of the accounts an instance's legs trade on, in their settlement assets, read now (status
 * states leverage against it); null when a read fails (status never fails for it).
 */
async function equityOf(ctx: AppContext, config: InstanceConfigBase): Promise<Decimal | null> {
  try {
    let sum = ZERO;
    const seen = new Set<string>();
    for (const leg of legsOf(config)) {
      const asset = settleAssetOf(leg.symbol);
      if (seen.has(`${leg.account}|${asset}`)) continue;
      seen.add(`${leg.account}|${asset}`);
      sum = sum.plus((await ctx.exchanges(leg.account).balance(asset)).marginBalance);
    }
    return sum;
  } catch (e) {
    ctx.logger.warn('status: equity unknown', {
      instance: config.id,
      error: e instanceof Error ? e.message : String(e),
    });
    return null;
  }
}
