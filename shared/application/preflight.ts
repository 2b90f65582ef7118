/**
 * Before a live run starts (`gridbot run`) or a replay (`gridbot sim`), every instance's config is checked
 * by its strategy's runtime against what the venue says now, and the capital budgets of each account's
 * instances against its equity; a config that cannot work is refused with every problem, each naming the
 * field and the fix, before anything trades.
 */
import type { InstanceConfig } from '../domain/config/deployment.js';
import { ConfigError } from '../domain/config/format-error.js';
import { ZERO } from '../domain/money.js';
import { legsOf } from '../domain/strategies/index.js';
import type { AppContext } from './context.js';
import { budgetPolicyOf, budgetsByAccount } from './guard-rails.js';
import { settleAssetOf } from './market.js';
import { runtimeOf } from './strategies/index.js';
import type { PreflightOptions } from './strategies/runtime.js';

export type { PreflightOptions };

export async function preflightInstances(
  ctx: AppContext,
  instances: readonly InstanceConfig[],
  opts: PreflightOptions = {},
): Promise<void> {
  const problems: string[] = [];
  for (const inst of instances) problems.push(...(await runtimeOf(inst).preflight(ctx, inst, opts)));
  problems.push(...(await budgetProblems(ctx, instances)));
  if (problems.length > 0) throw new ConfigError(`invalid config: ${problems.join('; ')}`, problems);
}

/**
 * Budgets on one account may not sum above its equity (the wallets of the settlement assets its instances
 * trade in, with unrealized PnL): each instance must be able to use what it was given.
 */
async function budgetProblems(ctx: AppContext, instances: readonly InstanceConfig[]): Promise<string[]> {
  const problems: string[] = [];
  for (const [account, total] of budgetsByAccount(instances)) {
    const onAccount = instances.filter(
      (i) => budgetPolicyOf(i) && legsOf(i).some((l) => l.account === account),
    );
    const assets = new Set(
      onAccount.flatMap((i) =>
        legsOf(i)
          .filter((l) => l.account === account)
          .map((l) => settleAssetOf(l.symbol)),
      ),
    );
    const exchange = ctx.exchanges(account);
    let equity = ZERO;
    for (const asset of assets) equity = equity.plus((await exchange.balance(asset)).marginBalance);
    if (!total.greaterThan(equity)) continue;
    // A bot already trading on the account is not refused a restart (its resting orders would go on
    // filling with nothing to answer them): recon raises `budgets_above_equity` instead.
    const started = await Promise.all(onAccount.map((i) => ctx.store.loadGrid(i.id)));
    if (started.some((s) => s !== null)) {
      ctx.logger.warn('the budgets on an account sum above its equity; trading goes on, recon alerts', {
        account,
        budgets: total.toFixed(),
        equity: equity.toFixed(),
      });
      continue;
    }
    problems.push(
      `instances[].guards.budget: the budgets on account "${account}" (${onAccount
        .map((i) => `${i.id} ${budgetPolicyOf(i)!.budget.toFixed()}`)
        .join(
          ', ',
        )}) sum to ${total.toFixed()}, above its equity ${equity.toDecimalPlaces(2).toFixed()} ${[...assets].join('+')}; lower them or fund the account`,
    );
  }
  return problems;
}
