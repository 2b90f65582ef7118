/**
 * `gridbot` command line. Each command parses its arguments, calls one composition entry point and maps
 * the outcome to an exit code with a one-line reason: 0 success, 1 bad input (missing file, bad CSV row,
 * invalid config naming the field, bad option), 2 runtime failure, 3 the command needs confirmation.
 *
 *   gridbot sim --config <yaml|json> [--candles <csv>] [--ticks <csv>] [--from <iso>] [--to <iso>]
 *               [--store dynamo|memory] [--exact] [--out <dir>] [--exchange-info <json>] [--funding <csv>]
 *   gridbot --version | gridbot help [command]   (exit 0)
 *   gridbot init [--strategy klg|closer|hedge-grid|hedge-pairs] [--symbol <ccxt symbol>] [--out <file>] [--force]
 *   gridbot validate-config <file>
 *   gridbot status|pause|resume|rebuild|reset-counters|close-all|preflight --instance <id> [--confirm <token>]
 *     [--urgency normal|emergency] (close-all)
 *               (--aws [--config <file> | --function <name>] [--region <region>] [--deployment <name>]
 *                | --config <file> --endpoint <url> [--table <name>])
 *   gridbot data fetch --symbol <ccxt symbol> --from <iso> --to <iso> [--exchange binanceusdm] [--out <csv>]
 *               [--no-funding]
 *   gridbot telegram-webhook --url <https url> [--aws [--region <r>]] [--env-file <file>] [--delete]
 *   gridbot sweep --config <yaml|json> --grid <sweep.yaml> [--candles …] [--workers n] [--out <dir>]
 *               [--aws [--region <r>] [--deployment <name> | --bucket <b> --state-machine <arn>]]
 *   gridbot run --config <yaml|json> [--data-dir <dir>] [--endpoint <url>] [--env-file <file>] [--for <duration>]
 *               (stops on the first SIGINT / SIGTERM or after --for, closing the exchanges and the store)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { stringify as stringifyYaml } from 'yaml';
import { processRedactor } from '../shared/adapters/logging/redactor.js';
import type { AdminReply } from '../shared/composition/admin-client.js';
import {
  assertSymbolsListed,
  listingFor,
  loadDeploymentConfigFile,
} from '../shared/composition/deployment-source.js';
import type { Summary } from '../shared/composition/sim/summary.js';
import { ADMIN_COMMANDS } from '../shared/domain/admin-commands.js';
import { streamlessAccounts } from '../shared/domain/config/deployment.js';
import { dec } from '../shared/domain/money.js';
import { legsOf } from '../shared/domain/strategies/index.js';
import type { SweepPlan, SweepRow } from '../shared/domain/sweep/sweep.js';
import { INIT_STRATEGIES, type InitStrategy, starterConfig } from './init.js';
import { progressBar } from './progress.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
  now(): number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const defaultIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
  now: () => Date.now(),
  env: process.env,
};

/** A bad option or argument: exit code 1. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

class NeedsConfirmation extends Error {
  override readonly name = 'NeedsConfirmation';
}

const ADMIN = ADMIN_COMMANDS;

/** `--candles a.csv` (the config's only symbol) or `--candles DOGE/USDC:USDC=a.csv`, once per symbol. */
function perSymbol(files: readonly string[] | undefined, symbols: readonly string[], flag: string) {
  const out: Record<string, string> = {};
  for (const f of files ?? []) {
    const eq = f.indexOf('=');
    const named = eq > 0 && f.slice(0, eq).includes('/');
    if (!named && symbols.length !== 1)
      throw new UsageError(
        `${flag} ${f}: the config trades ${symbols.length} symbols (${symbols.join(', ')}); write ${flag} SYMBOL=file`,
      );
    const symbol = named ? f.slice(0, eq) : symbols[0]!;
    if (out[symbol]) throw new UsageError(`${flag}: two files for ${symbol}`);
    out[symbol] = resolve(named ? f.slice(eq + 1) : f);
  }
  return out;
}

function describeRun(s: Summary): string[] {
  const lines = [
    `gridbot sim: ${s.market.source === 'demo' ? 'built-in demo market' : `${s.market.source} from ${Object.values(s.market.files).join(', ')}`}, ${s.market.from} → ${s.market.to}, store ${s.store}`,
  ];
  for (const [symbol, r] of Object.entries(s.symbols) as [string, { source: string; from: string }][])
    lines.push(`  symbol rules for ${symbol}: ${r.source} (${r.from})`);
  for (const [symbol, f] of Object.entries(s.market.funding))
    lines.push(
      f.modelled
        ? `  funding for ${symbol}: ${f.file}${f.how === 'found' ? ' (found next to the market data)' : ''}${f.note ? `; ${f.note}` : ''}`
        : `  ${symbol}: ${f.note}`,
    );
  for (const i of s.instances) {
    lines.push(
      `  ${i.instance} ${i.symbol}: ${i.candles} candles, ${i.fills.count} fills, holdings ${i.holdings}, equity ${i.startBalance} → ${i.equity.replace(/(\.\d{4})\d+$/, '$1')}, max drawdown ${i.maxDrawdownPct}%, ${i.violations.length === 0 ? 'no invariant violations' : `${i.violations.length} INVARIANT VIOLATIONS`}`,
    );
    const p = i.performance;
    const four = (x: string) => x.replace(/(\.\d{4})\d+$/, '$1');
    lines.push(
      `    return ${p.returnPct ?? '—'}% (buy and hold ${p.buyAndHoldPct ?? '—'}%), grid profit ${four(p.gridProfit)}, inventory PnL ${four(p.inventoryPnl)}, fees ${four(p.fees)}, max drawdown ${p.maxDrawdownPct}% (longest ${p.maxDrawdown.longestDurationDays} days), Sharpe ${p.sharpe ?? '—'}`,
    );
    if (i.blocked.note) lines.push(`    ${i.blocked.note}`);
  }
  if (s.jobFailures.length > 0)
    lines.push(`  ${s.jobFailures.length} scheduled jobs failed (see summary.json)`);
  return lines;
}

/** The market a replay runs on, as `sim` and `sweep` take it: data files per symbol, rules, period. */
function marketOptions(c: Command): Command {
  return c
    .option(
      '--candles <file...>',
      '1-minute candle CSV (open_time_ms,open,high,low,close,volume); SYMBOL=file for several',
    )
    .option(
      '--ticks <file...>',
      'trade tick CSV (trade_time_ms,trade_id,price,qty,is_buyer_maker); SYMBOL=file for several',
    )
    .option(
      '--funding <file...>',
      '8h funding CSV (funding_time_ms,funding_rate); SYMBOL=file for several (default: a <ID>_funding_*.csv next to the market data, or ../funding/, spanning the period)',
    )
    .option('--exchange-info <file>', 'Binance exchangeInfo JSON to take symbol rules from')
    .option('--from <time>', 'first scheduled time of the bot (ISO 8601 or epoch ms)')
    .option('--to <time>', 'last time simulated (ISO 8601 or epoch ms)');
}

/** What `marketOptions` parse to. */
interface MarketOptionValues {
  candles?: string[];
  ticks?: string[];
  funding?: string[];
  exchangeInfo?: string;
  from?: string;
  to?: string;
}

/** `marketOptions` as simulation inputs, for the enabled instances' symbols of `config`. */
async function marketInputs(o: MarketOptionValues, config: ReturnType<typeof loadDeploymentConfigFile>) {
  const { parseTime } = await import('../shared/composition/sim/market-data.js');
  const symbols = [
    ...new Set(config.instances.filter((i) => i.enabled).flatMap((i) => legsOf(i).map((l) => l.symbol))),
  ];
  return {
    candles: perSymbol(o.candles, symbols, '--candles'),
    ticks: perSymbol(o.ticks, symbols, '--ticks'),
    funding: perSymbol(o.funding, symbols, '--funding'),
    ...(o.exchangeInfo ? { exchangeInfo: resolve(o.exchangeInfo) } : {}),
    ...(o.from ? { from: parseTime(o.from, '--from') } : {}),
    ...(o.to ? { to: parseTime(o.to, '--to') } : {}),
  };
}

function simCommand(io: CliIo): Command {
  return marketOptions(
    new Command('sim')
      .description('replay a market through the production services on a virtual clock')
      .requiredOption('--config <file>', 'deployment config (YAML or JSON)'),
  )
    .addOption(
      new Option(
        '--store <kind>',
        'state store: memory (fast; the default) or dynamo (the embedded DynamoDB-compatible store the bot runs on locally; parity is tested)',
      )
        .choices(['dynamo', 'memory'])
        .default('memory'),
    )
    .option('--out <dir>', 'output directory (default out/<timestamp>/)')
    .option(
      '--exact',
      'run every recon pass and apply every candle in full, even in quiet stretches (slower; the events are the same)',
    )
    .option('--quiet', 'no progress bar')
    .option('--json', 'print the summary (summary.json) and the files written as JSON, no progress')
    .action(async (o) => {
      const { runSimulation } = await import('../shared/composition/sim.js');
      const config = loadDeploymentConfigFile(o.config);
      const outDir = resolve(o.out ?? `out/${new Date(io.now()).toISOString().replace(/[:.]/g, '-')}`);
      const result = await runSimulation({
        config: { config, dir: dirname(resolve(o.config)) },
        ...(await marketInputs(o, config)),
        store: o.store,
        outDir,
        exact: o.exact === true,
        onWarning: (m: string) => io.err(`gridbot sim: warning: ${m}\n`),
        ...(o.quiet || o.json
          ? {}
          : { onProgress: progressBar({ isTTY: io.isTTY, write: io.err, now: io.now }, 'sim') }),
      });
      if (o.json) {
        const files = {
          report: resolve(outDir, 'report.html'),
          summary: resolve(outDir, 'summary.json'),
          events: resolve(outDir, 'events.jsonl'),
        };
        io.out(`${JSON.stringify({ files, summary: result.summary }, null, 2)}\n`);
        return;
      }
      for (const line of describeRun(result.summary)) io.out(`${line}\n`);
      io.out(`report: ${resolve(outDir, 'report.html')}\n`);
      io.out(`        ${resolve(outDir, 'summary.json')}, ${resolve(outDir, 'events.jsonl')}\n`);
    });
}

function initCommand(io: CliIo): Command {
  return new Command('init')
    .description('write a commented starter config that validates and simulates as written')
    .addOption(
      new Option('--strategy <name>', 'the strategy of its instance').choices(INIT_STRATEGIES).default('klg'),
    )
    .option(
      '--symbol <symbol>',
      'ccxt linear-swap symbol (default DOGE/USDC:USDC; BTC/USDT:USDT for the others)',
    )
    .option('--out <file>', 'where to write it', 'gridbot.yaml')
    .option('--force', 'overwrite the file if it exists')
    .action((o: { strategy: InitStrategy; symbol?: string; out: string; force?: boolean }) => {
      const path = resolve(o.out);
      const starter = starterConfig({ strategy: o.strategy, symbol: o.symbol }, o.out);
      try {
        writeFileSync(path, starter.text, { flag: o.force ? 'w' : 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new UsageError(`${o.out} exists; pass --force to overwrite it, or --out <file> for another`);
        throw e;
      }
      for (const note of starter.notes) io.err(`gridbot init: note: ${note}\n`);
      io.out(
        `wrote ${o.out} (${o.strategy} on ${o.symbol ?? 'the default symbol'})\nnext: gridbot validate-config ${o.out}\n      gridbot sim --config ${o.out}\n`,
      );
    });
}

function validateCommand(io: CliIo): Command {
  return new Command('validate-config')
    .description('check a deployment config; names each bad field and the fix')
    .argument('<file>')
    .option(
      '--exchange-info <file>',
      'Binance USD-M exchangeInfo JSON: also check that the venue lists and trades every symbol (default: simulation.exchange_info when the config names one)',
    )
    .option('--json', 'print the result as JSON: { ok, accounts, instances } or { ok: false, error }')
    .action((file: string, o: { exchangeInfo?: string; json?: boolean }) => {
      let c: ReturnType<typeof loadDeploymentConfigFile>;
      let listing: ReturnType<typeof listingFor>;
      try {
        c = loadDeploymentConfigFile(file);
        listing = listingFor(c, file, o.exchangeInfo);
        assertSymbolsListed(c, listing);
      } catch (e) {
        // The same one-line error (and exit code) either way; --json also puts it on stdout for scripts.
        if (o.json) io.out(`${JSON.stringify({ ok: false, file, error: (e as Error).message }, null, 2)}\n`);
        throw e;
      }
      if (o.json) {
        io.out(
          `${JSON.stringify(
            {
              ok: true,
              file,
              accounts: c.accounts.map((a) => ({ id: a.id, exchange: a.exchange })),
              instances: c.instances.map((i) => ({
                id: i.id,
                strategy: i.strategy,
                enabled: i.enabled,
                symbols: [...new Set(legsOf(i).map((l) => l.symbol))],
                accounts: [...new Set(legsOf(i).map((l) => l.account))],
              })),
              listedIn: listing?.source ?? null,
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      io.out(
        `${file}: ok — ${c.accounts.length} account(s) (${c.accounts.map((a) => a.id).join(', ')}), ${c.instances.length} instance(s) (${c.instances.map((i) => `${i.id} ${[...new Set(legsOf(i).map((l) => l.symbol))].join('+')}`).join(', ')})${listing ? `; symbols listed in ${listing.source}` : ''}\n`,
      );
    });
}

/** Who runs the CLI, journaled with the command: `GRIDBOT_CALLER`, else `user@host`. */
function callerOf(env: CliIo['env']): string {
  const named = env.GRIDBOT_CALLER?.trim();
  let who = named;
  if (!who) {
    try {
      who = `${userInfo().username}@${hostname()}`;
    } catch {
      who = `uid-unknown@${hostname()}`;
    }
  }
  return who.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

function adminCommand(io: CliIo, name: (typeof ADMIN)[number]): Command {
  return new Command(name)
    .description(`${name} an instance, locally (--config + --endpoint) or on AWS (--aws)`)
    .requiredOption('--instance <id>', 'instance id')
    .option('--confirm <token>', 'confirmation token (reset-counters, close-all)')
    .option('--reason <text>', 'why (kept in the log and the pause reason)')
    .option(
      '--urgency <normal|emergency>',
      'close-all: emergency (default: the closer slices aggressively) or normal (maker first)',
    )
    .option('--aws', 'invoke the deployed admin function')
    .option(
      '--function <name>',
      'admin function name (--aws; default from --config: <deployment>-admin-<the instance account>)',
      io.env.GRIDBOT_ADMIN_FUNCTION,
    )
    .option('--region <region>', 'AWS region (--aws; default the config region, then AWS_REGION)')
    .option('--deployment <name>', 'deployment name the stacks were deployed under (--aws)', 'gridbot')
    .option(
      '--config <file>',
      'deployment config (local; with --aws: where the function and region come from)',
    )
    .option(
      '--endpoint <url>',
      'DynamoDB endpoint (local), e.g. http://127.0.0.1:8000',
      io.env.GRIDBOT_DYNAMO_ENDPOINT,
    )
    .option('--table <name>', 'state table (local)', io.env.GRIDBOT_TABLE ?? 'gridbot-state')
    .option(
      '--data-dir <dir>',
      'the data directory of a `gridbot run` on this machine, running or not (default .gridbot-data, else .gridbot-paper)',
    )
    .option('--json', 'print the answer as JSON')
    .action(async (o) => {
      const { parseAdminCommand, runAdminLocally, runAdminOnAws } = await import(
        '../shared/composition/admin-client.js'
      );
      const command = parseAdminCommand({
        command: name,
        instanceId: o.instance,
        ...(o.confirm ? { confirm: o.confirm } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.urgency ? { urgency: o.urgency } : {}),
        caller: callerOf(io.env),
      });
      let reply: AdminReply;
      if (o.aws) {
        const target = await awsAdminTarget(o, command.instanceId, io.env);
        reply = await runAdminOnAws({
          command,
          functionName: target.functionName,
          region: target.region,
          endpoint: io.env.GRIDBOT_LAMBDA_ENDPOINT,
          env: io.env,
        });
      } else if (o.endpoint) {
        if (!o.config)
          throw new UsageError(
            `${name}: --endpoint needs --config <file>: the deployment the store belongs to`,
          );
        reply = await runAdminLocally({
          command,
          configPath: o.config,
          endpoint: o.endpoint,
          table: o.table,
          env: io.env,
        });
      } else {
        reply = await adminNextToRun(name, command, o, io);
      }
      io.out(o.json ? `${JSON.stringify(reply, null, 2)}\n` : adminView(reply, name));
      if (!reply.ok && 'needsConfirmation' in reply) throw new NeedsConfirmation(reply.message);
      if (!reply.ok) throw new Error(reply.error);
    });
}

/**
 * An admin command on this machine's `gridbot run` state: the live run's store when it is running (its
 * `run.json`), else the embedded store in the data directory, opened for the command and closed after.
 */
async function adminNextToRun(
  name: string,
  command: import('../shared/application/admin.js').AdminCommand,
  o: { dataDir?: string; config?: string },
  io: CliIo,
): Promise<AdminReply> {
  const { runAdminLocally } = await import('../shared/composition/admin-client.js');
  const { findRunHandle } = await import('../shared/composition/run-handle.js');
  const { existsSync, readdirSync } = await import('node:fs');
  const candidates = o.dataDir ? [String(o.dataDir)] : ['.gridbot-data', '.gridbot-paper'];
  const present = candidates.filter((d) => existsSync(d));
  // A live bot and a paper one side by side: never guess which one a command is for.
  if (present.length > 1)
    throw new UsageError(
      `${name}: both ${present.join(' (live) and ')} (paper) are here: say which with --data-dir`,
    );
  const running = candidates.map((d) => ({ dir: d, handle: findRunHandle(d) })).find((c) => c.handle);
  if (running?.handle) {
    const h = running.handle;
    if (o.config && resolve(o.config) !== h.config)
      throw new UsageError(
        `${name}: the gridbot run in ${running.dir} trades ${h.config}, not ${o.config}: leave --config out`,
      );
    const reply = await runAdminLocally({
      command,
      configPath: h.config,
      endpoint: h.endpoint,
      table: h.table,
      env: { ...io.env, ...(h.env ?? {}) },
      envFile: h.envFile,
      paper: h.paper,
    });
    return withWhere(reply, `${running.dir}: the running ${h.paper ? 'PAPER' : 'LIVE'} bot`);
  }
  const dir = present[0];
  if (!dir)
    throw new UsageError(
      `${name}: no gridbot run state in ${candidates.join(' or ')}: give --data-dir <the run's>, --config <file> --endpoint <url>, or --aws`,
    );
  if (!o.config) throw new UsageError(`${name}: ${dir} has no running gridbot run: give --config <file> too`);
  const paper = readdirSync(dir).some((f) => /^paper-.*\.json$/.test(f));
  if (paper && command.command !== 'status')
    throw new UsageError(
      `${name}: ${dir} holds paper trading, whose venue lives inside \`gridbot run\`: start it, then run ${name} again`,
    );
  const { startEmbeddedStateStore } = await import('../shared/adapters/embedded/dynalite-server.js');
  const embedded = await startEmbeddedStateStore({ path: dir });
  try {
    const reply = await runAdminLocally({
      command,
      configPath: o.config,
      endpoint: embedded.endpoint,
      table: embedded.tableName,
      env: io.env,
      paper,
    });
    return withWhere(reply, `${dir}: the stopped ${paper ? 'PAPER' : 'LIVE'} bot's store`);
  } finally {
    await embedded.stop();
  }
}

/** Says which bot an answer came from (the human view prints it; --json carries it as `where`). */
function withWhere(reply: AdminReply, where: string): AdminReply {
  return { ...reply, where } as unknown as AdminReply;
}

/** An admin answer for people: what was done, then the details as indented lines. */
function adminView(reply: AdminReply, name: string): string {
  if (!reply.ok && 'needsConfirmation' in reply)
    return `${name} needs confirmation: ${reply.message}\n  run it again with --confirm ${reply.confirm}\n`;
  if (!reply.ok) return '';
  const detail =
    reply.detail === undefined || reply.detail === null
      ? ''
      : stringifyYaml(reply.detail, { lineWidth: 0 })
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n');
  const where = (reply as { where?: string }).where;
  return `${reply.command} ${reply.instanceId}: done${where ? ` (${where})` : ''}${detail ? `\n${detail}` : ''}\n`;
}

function dataCommand(io: CliIo): Command {
  const data = new Command('data').description('market data');
  data
    .command('fetch')
    .description(
      'download 1-minute candles with ccxt into the CSV `gridbot sim --candles` replays, and the funding rates of the period next to it, where `gridbot sim` finds them (needs network)',
    )
    .requiredOption('--symbol <symbol>', 'ccxt symbol, e.g. BTC/USDT:USDT')
    .requiredOption('--from <time>', 'first candle (ISO 8601 or epoch ms)')
    .requiredOption('--to <time>', 'end, exclusive (ISO 8601 or epoch ms)')
    .option('--exchange <id>', 'ccxt exchange id', 'binanceusdm')
    .option('--out <file>', 'CSV file (default <BASEQUOTE>_1m_<from>_<to>.csv)')
    .option(
      '--no-funding',
      'candles only (default: also <BASEQUOTE>_funding_<from>_<to>.csv in the same directory)',
    )
    .action(async (o) => {
      const { fetchCandlesCsv, fetchFundingCsv } = await import('../shared/composition/data-fetch.js');
      const { apiUrlsFromEnv } = await import('../shared/composition/exchanges.js');
      const { parseTime } = await import('../shared/composition/sim/market-data.js');
      const from = parseTime(o.from, '--from');
      const to = parseTime(o.to, '--to');
      const day = (t: number) => new Date(t).toISOString().slice(0, 10);
      const pair = String(o.symbol).split(':')[0]!.replace('/', '');
      const out = resolve(o.out ?? `${pair}_1m_${day(from)}_${day(to)}.csv`);
      const apiUrls = apiUrlsFromEnv(io.env);
      const { csv, rows } = await fetchCandlesCsv({
        exchange: o.exchange,
        symbol: o.symbol,
        from,
        to,
        apiUrls,
        onPage: (n, last) => io.err(`data fetch: ${n} candles, up to ${new Date(last).toISOString()}\n`),
      });
      writeFileSync(out, csv);
      io.out(`${rows} candles of ${o.symbol} written to ${out}\n`);
      if (o.funding === false) return;
      const funding = await fetchFundingCsv({ exchange: o.exchange, symbol: o.symbol, from, to, apiUrls });
      if (funding === null) {
        io.err(
          `data fetch: ${o.exchange} publishes no funding history through ccxt; gridbot sim will report funding not modelled unless given --funding\n`,
        );
        return;
      }
      const fundingOut = resolve(dirname(out), `${pair}_funding_${day(from)}_${day(to)}.csv`);
      writeFileSync(fundingOut, funding.csv);
      io.out(`${funding.rows} funding rates of ${o.symbol} written to ${fundingOut}\n`);
    });
  return data;
}

function telegramCommand(io: CliIo): Command {
  return new Command('telegram-webhook')
    .description(
      'point the Telegram bot at the deployed webhook (the TelegramUrl output of cdk deploy), with its secret token; reads the bot token and the webhook secret from GRIDBOT_TELEGRAM_TOKEN / GRIDBOT_TELEGRAM_WEBHOOK_SECRET (or .env), or with --aws from the gridbot/telegram secret',
    )
    .requiredOption('--url <url>', 'the webhook URL (https)')
    .option('--aws', 'read the bot token and the webhook secret from Secrets Manager (gridbot/telegram)')
    .option('--region <region>', 'AWS region of the secret (with --aws)')
    .option('--env-file <file>', 'environment file (default .env)')
    .option('--delete', 'remove the webhook instead (for long polling by `gridbot run`)')
    .action(async (o) => {
      const { EnvSecrets, SecretsManagerSecrets, registeringSecrets } = await import(
        '../shared/adapters/secrets/index.js'
      );
      const { TelegramChat } = await import('../shared/adapters/telegram/bot-api.js');
      const { registerWebhook } = await import('../shared/adapters/telegram/updates.js');
      const secrets = registeringSecrets(
        o.aws
          ? new SecretsManagerSecrets({ accounts: [], ...(o.region ? { region: o.region } : {}) })
          : new EnvSecrets({ env: io.env, ...(o.envFile ? { envFile: o.envFile } : {}) }),
      );
      const login = await secrets.login('telegram');
      const bot = new TelegramChat({
        token: login.username,
        ...(io.env.GRIDBOT_TELEGRAM_API_ROOT ? { apiRoot: io.env.GRIDBOT_TELEGRAM_API_ROOT } : {}),
      });
      if (o.delete) {
        await bot.deleteWebhook();
        io.out('telegram webhook removed: `gridbot run` can poll\n');
        return;
      }
      if (!/^https:\/\//.test(o.url) && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(o.url))
        throw new UsageError(`--url must be https (got ${o.url})`);
      await registerWebhook(bot, o.url, login.password);
      const me = await bot.getMe();
      io.out(`telegram: @${me.username} now posts its updates to ${o.url}\n`);
    });
}

/**
 * Which admin function `--aws` invokes, and where: `--function` / `--region` when given; else from
 * `--config` (the function of the account the instance's first leg trades on, the config's region).
 */
async function awsAdminTarget(
  o: { function?: string; region?: string; config?: string; deployment: string },
  instanceId: string,
  env: CliIo['env'],
): Promise<{ functionName: string; region: string | undefined }> {
  if (o.function && (o.region || !o.config))
    return { functionName: o.function, region: o.region ?? env.AWS_REGION };
  if (!o.config)
    throw new UsageError(
      '--aws needs the admin function: give --config <deploy.yaml> (the function and region come from it) or --function <name>',
    );
  const { loadDeploymentConfigFile } = await import('../shared/composition/deployment-source.js');
  const deployment = loadDeploymentConfigFile(o.config);
  const instance = deployment.instances.find((i) => i.id === instanceId);
  if (!instance)
    throw new UsageError(
      `no instance "${instanceId}" in ${o.config} (known: ${deployment.instances.map((i) => i.id).join(', ')})`,
    );
  const account = legsOf(instance)[0]?.account;
  return {
    functionName: o.function ?? `${o.deployment}-admin-${account}`,
    region: o.region ?? deployment.region,
  };
}

/** The version in package.json (what `npm ci` installed), read once. */
function packageVersion(): string {
  const pkg = JSON.parse(
    readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../package.json'), 'utf8'),
  ) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** `--for 90`, `--for 90s`, `--for 5m`, `--for 2h` → milliseconds (> 0). */
function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'] : NaN;
  if (!(ms > 0)) throw new UsageError(`--for ${text}: give a duration > 0: seconds, or 30s, 5m, 2h`);
  return ms;
}

/**
 * When `gridbot run` should stop: the first SIGINT or SIGTERM (a second one kills the process, as usual),
 * or `--for` after the bot is live. Handlers and the timer are removed by `dispose`.
 */
function stopSignal(forMs: number | null) {
  let resolveStop!: () => void;
  let requested = false;
  const stop = new Promise<void>((resolve) => {
    resolveStop = () => {
      requested = true;
      resolve();
    };
  });
  const onSignal = () => resolveStop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let timer: NodeJS.Timeout | undefined;
  return {
    stop,
    requested: () => requested,
    live() {
      if (forMs !== null && !requested) timer = setTimeout(resolveStop, forMs);
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      clearTimeout(timer);
    },
  };
}

/** `--paper`: the starting balance of a new paper account. */
function paperOptions(balance: string) {
  if (!/^\d+(\.\d+)?$/.test(balance) || Number(balance) <= 0)
    throw new UsageError(`--balance ${balance}: give an amount > 0, e.g. --balance 10000`);
  return { balance: dec(balance) };
}

function runCommand(io: CliIo): Command {
  return new Command('run')
    .description(
      'run the bot live on this machine (stream worker + scheduled jobs); Ctrl-C (SIGINT) or SIGTERM stops it, orders stay on the exchange',
    )
    .requiredOption('--config <file>', 'deployment config (YAML or JSON)')
    .option(
      '--data-dir <dir>',
      'where the embedded store keeps the grid state (default .gridbot-data; paper trading .gridbot-paper)',
    )
    .option(
      '--endpoint <url>',
      'use a DynamoDB (Local) server instead of the embedded store',
      io.env.GRIDBOT_DYNAMO_ENDPOINT,
    )
    .option('--env-file <file>', 'credentials file (GRIDBOT_<ACCOUNT>_API_KEY, ..._SECRET)', '.env')
    .option('--for <duration>', 'stop after this long once live (smoke runs): seconds, or 30s, 5m, 2h')
    .option(
      '--paper',
      "paper trading on live prices: the venue's real public market streams drive a local paper exchange; no API key needed, nothing reaches your account",
    )
    .option(
      '--balance <amount>',
      'starting paper balance of each quote asset (--paper; a new paper account)',
      '10000',
    )
    .action(async (o) => {
      const forMs = o.for === undefined ? null : durationMs(String(o.for));
      const paper = o.paper === true ? paperOptions(String(o.balance)) : undefined;
      const { buildLocalRuntime } = await import('../shared/composition/local.js');
      const { runBot } = await import('../shared/application/run-bot.js');
      const { preflightInstances } = await import('../shared/application/preflight.js');
      const { removeRunHandle, writeRunHandle } = await import('../shared/composition/run-handle.js');
      // One readable line per order, fill, stop and warning on stdout (the JSON logs go to stderr).
      const { eventKey, eventLine } = await import('../shared/application/event-line.js');
      const printed = new Set<string>();
      const printEvents = (events: readonly import('../shared/ports/events.js').TradingEvent[]) => {
        for (const e of events) {
          const line = eventLine(e);
          const key = eventKey(e);
          if (line === null || printed.has(key)) continue;
          printed.add(key);
          if (printed.size > 10_000) printed.clear();
          io.out(`${line}\n`);
        }
      };
      // Signals are caught from the start: one during startup stops the bot as soon as it is up.
      const halt = stopSignal(forMs);
      try {
        // Rejects (exit 2, one line) having closed whatever it opened: no credentials, a bad store…
        const rt = await buildLocalRuntime({
          configPath: o.config,
          ...(o.dataDir ? { dataDir: String(o.dataDir) } : {}),
          ...(o.endpoint ? { dynamoEndpoint: o.endpoint } : {}),
          envFile: o.envFile,
          env: io.env,
          ...(paper ? { paper } : {}),
          onEvents: printEvents,
        });
        let telegram: { stop(): Promise<void> } | undefined;
        try {
          const instances = rt.deployment.instances.filter((i) => i.enabled);
          // A config that cannot work on this venue and balance is refused before anything trades.
          await preflightInstances(rt.ctx, instances);
          // Telegram commands by long polling, when the deployment has a bot that takes commands.
          const { startTelegramPolling } = await import('../shared/composition/telegram.js');
          telegram =
            rt.telegram?.config.commands === true
              ? await startTelegramPolling(rt.telegram, rt.ctx, rt.ctx.logger)
              : undefined;
          const { jobs } = await runBot(rt.ctx, {
            instances,
            writer: `gridbot-run@${process.pid}`,
            withoutStreams: streamlessAccounts(rt.deployment),
            stop: halt.stop,
            started: () => {
              // Admin commands on this machine find the running bot by this file (`--data-dir`).
              mkdirSync(rt.dataDir, { recursive: true });
              writeRunHandle(rt.dataDir, {
                endpoint: rt.storeAt.endpoint,
                table: rt.storeAt.table,
                config: String(o.config),
                ...(rt.paper ? { env: rt.paper.env } : {}),
                envFile: String(o.envFile),
                paper: rt.paper !== undefined,
              });
              if (rt.paper)
                io.err(
                  `gridbot run: PAPER trading on live prices (${rt.paper.venues.map((v) => v.venue).join(', ')}); paper state in ${rt.dataDir}\n`,
                );
              io.err(
                `gridbot run: ${instances.length} instance(s) live; Ctrl-C to stop; admin commands from another terminal: gridbot status --instance <id> --data-dir ${rt.dataDir}\n`,
              );
              halt.live();
            },
          });
          io.out(`gridbot run: stopped after ${jobs} scheduled job(s); grid orders stay on the exchange\n`);
        } finally {
          removeRunHandle(rt.dataDir);
          await telegram?.stop();
          // Every path closes the exchanges and the store (the embedded one would keep the process alive).
          await rt.close();
        }
      } finally {
        halt.dispose();
      }
    });
}

// --- gridbot sweep ------------------------------------------------------------------------------------
/**
 * `gridbot sweep --config <base> --grid <sweep.yaml> [--candles …] [--from --to] [--workers n] [--out dir]
 * [--json]`: every combination of the sweep file's values simulated over the same data in worker threads,
 * ranked into sweep.csv / sweep.html / sweep.json (`shared/composition/sweep.ts`). With `--aws [--region]
 * [--deployment | --bucket --state-machine]` the combinations run on AWS, one Lambda run each, and come
 * back as the same files (`shared/composition/sweep-aws.ts`).
 */
function sweepCommand(io: CliIo): Command {
  return marketOptions(
    new Command('sweep')
      .description('simulate every combination of config values over the same data and rank them')
      .requiredOption('--config <file>', 'base deployment config (YAML or JSON)')
      .requiredOption(
        '--grid <file>',
        'sweep file: params to vary (lists or { from, to, step }), rank_by, heatmap',
      ),
  )
    .option('--workers <n>', 'worker threads (default: the available cores)')
    .option('--out <dir>', 'output directory (default out/sweep-<timestamp>/)')
    .option('--quiet', 'no progress display')
    .option('--json', 'print sweep.json and the files written as JSON, no progress')
    .option('--aws', 'run the combinations on AWS (the <deployment>-sweep stack: Step Functions + Lambda)')
    .option('--region <region>', 'AWS region (--aws; default the config region)')
    .option('--deployment <name>', 'deployment name the sweep stack was deployed under (--aws)', 'gridbot')
    .option('--bucket <name>', 'sweep bucket (--aws; default from the stack outputs)')
    .option('--state-machine <arn>', 'sweep state machine (--aws; default from the stack outputs)')
    .action(async (o) => {
      if (o.aws) return sweepOnAws(io, o);
      for (const flag of ['region', 'bucket', 'stateMachine'] as const)
        if (o[flag] !== undefined)
          throw new UsageError(
            `--${flag === 'stateMachine' ? 'state-machine' : flag} is for a sweep on AWS: add --aws`,
          );
      const { runSweep } = await import('../shared/composition/sweep.js');
      let workers: number | undefined;
      if (o.workers !== undefined) {
        workers = Number(o.workers);
        if (!/^\d+$/.test(o.workers) || workers < 1)
          throw new UsageError(`--workers ${o.workers}: give a whole number ≥ 1, e.g. --workers 2`);
      }
      const config = loadDeploymentConfigFile(o.config);
      const outDir = resolve(o.out ?? `out/sweep-${new Date(io.now()).toISOString().replace(/[:.]/g, '-')}`);
      let result: Awaited<ReturnType<typeof runSweep>>;
      try {
        result = await runSweep({
          config: o.config,
          grid: o.grid,
          ...(await marketInputs(o, config)),
          ...(workers !== undefined ? { workers } : {}),
          outDir,
          ...(o.quiet || o.json
            ? {}
            : {
                onProgress: progressBar(
                  { isTTY: io.isTTY, write: io.err, now: io.now },
                  'sweep',
                  'combinations',
                ),
              }),
        });
      } catch (e) {
        if (e instanceof Error && e.name === 'SweepInputError') throw new UsageError(e.message);
        throw e;
      }
      const ms = result.timings.perCombinationMs;
      printSweep(
        io,
        outDir,
        result,
        `gridbot sweep: ${result.plan.count} combinations on ${result.workers} workers in ${(result.timings.totalMs / 1000).toFixed(1)} s (${(ms.reduce((a, b) => a + b, 0) / ms.length / 1000).toFixed(1)} s each)`,
        o.json ? {} : null,
      );
    });
}
/** `gridbot sweep --aws`: the same sweep, its combinations run by the sweep stack's Distributed Map. */
async function sweepOnAws(
  io: CliIo,
  o: {
    config: string;
    grid: string;
    workers?: string;
    out?: string;
    quiet?: boolean;
    json?: boolean;
    region?: string;
    deployment: string;
    bucket?: string;
    stateMachine?: string;
  } & MarketOptionValues,
): Promise<void> {
  if (o.workers !== undefined)
    throw new UsageError('--workers is for a local sweep: on AWS the stack sets the concurrency');
  const { runSweepOnAws } = await import('../shared/composition/sweep-aws.js');
  const config = loadDeploymentConfigFile(o.config);
  const outDir = resolve(o.out ?? `out/sweep-${new Date(io.now()).toISOString().replace(/[:.]/g, '-')}`);
  const talk = !(o.quiet || o.json);
  let result: Awaited<ReturnType<typeof runSweepOnAws>>;
  try {
    result = await runSweepOnAws({
      config: o.config,
      grid: o.grid,
      ...(await marketInputs(o, config)),
      outDir,
      region: o.region,
      deployment: o.deployment,
      bucket: o.bucket,
      stateMachine: o.stateMachine,
      now: io.now,
      ...(talk
        ? {
            onStatus: (line: string) => io.err(`sweep: ${line}\n`),
            onProgress: progressBar({ isTTY: io.isTTY, write: io.err, now: io.now }, 'sweep', 'combinations'),
          }
        : {}),
    });
  } catch (e) {
    if (e instanceof Error && e.name === 'SweepInputError') throw new UsageError(e.message);
    throw e;
  }
  printSweep(
    io,
    outDir,
    result,
    `gridbot sweep --aws: ${result.plan.count} combinations in ${(result.totalMs / 1000).toFixed(1)} s, execution ${result.status}`,
    o.json ? { execution: result.executionArn, status: result.status } : null,
  );
}

/**
 * What a finished sweep prints, local or on AWS: with `json` (the extra fields of the JSON answer) the files
 * and the table as JSON; else the headline, the best combination and where the table is.
 */
function printSweep(
  io: CliIo,
  outDir: string,
  result: { readonly plan: SweepPlan; readonly ranked: readonly SweepRow[]; readonly json: string },
  head: string,
  json: Record<string, unknown> | null,
): void {
  const files = {
    csv: resolve(outDir, 'sweep.csv'),
    html: resolve(outDir, 'sweep.html'),
    json: resolve(outDir, 'sweep.json'),
  };
  if (json) {
    io.out(`${JSON.stringify({ files, ...json, sweep: JSON.parse(result.json) }, null, 2)}\n`);
    return;
  }
  const failed = result.ranked.filter((r) => r.error).length;
  io.out(
    `${head}, ranked by ${result.plan.rankBy}${failed > 0 ? `; ${failed} FAILED (see the error column)` : ''}\n`,
  );
  const best = result.ranked[0]!;
  const p = result.plan.params.map((q, k) => `${q.path}=${best.values[k]}`).join(', ');
  if (best.figures)
    io.out(
      `  best: #${best.index} ${p}: return ${best.figures.returnPct ?? '—'}%, max drawdown ${best.figures.maxDrawdownPct ?? '—'}%, Sharpe ${best.figures.sharpe ?? '—'}, ${best.figures.fills} fills, grid profit ${best.figures.gridProfit}\n`,
    );
  io.out(`table: ${files.csv}\n       ${files.html}, ${files.json}\n`);
}
// --- end gridbot sweep --------------------------------------------------------------------------------

/** Errors that mean the input was wrong (by name: their modules load lazily, with the command). */
const INPUT_ERRORS = new Set([
  'UsageError',
  'SimInputError',
  'FetchInputError',
  'ConfigError',
  'DeploymentSourceError',
  'CommanderError',
  'PaperSetupError',
]);

function exitCodeOf(e: unknown): number {
  if (e instanceof NeedsConfirmation) return 3;
  if (e instanceof CommanderError || (e instanceof Error && INPUT_ERRORS.has(e.name))) return 1;
  return 2;
}

export async function main(argv: readonly string[], given: CliIo = defaultIo): Promise<number> {
  // Nothing the CLI prints holds a credential value (registered or token-shaped), whoever quoted it.
  const io: CliIo = {
    ...given,
    out: (t) => given.out(processRedactor.scrubValues(t)),
    err: (t) => given.err(processRedactor.scrubValues(t)),
  };
  const program = new Command('gridbot')
    .description('grid strategies on AWS, and a simulator that replays markets through the same code')
    .version(packageVersion(), '-V, --version', 'print the version');
  program.addCommand(simCommand(io));
  program.addCommand(initCommand(io));
  program.addCommand(validateCommand(io));
  for (const name of ADMIN) program.addCommand(adminCommand(io, name));
  program.addCommand(dataCommand(io));
  program.addCommand(runCommand(io));
  program.addCommand(telegramCommand(io));
  program.addCommand(sweepCommand(io));
  const quiet = (c: Command): void => {
    // Help goes out as usual; errors are reported once, as one line, by the catch below.
    c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} });
    for (const sub of c.commands) quiet(sub);
  };
  quiet(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (
      e instanceof CommanderError &&
      (e.code === 'commander.helpDisplayed' || e.code === 'commander.version')
    )
      return 0;
    // Help shown because no command was given: a usage error; asked for (`gridbot help [cmd]`): success.
    if (e instanceof CommanderError && e.code === 'commander.help') return e.exitCode === 0 ? 0 : 1;
    const raw = e instanceof Error ? e.message.replace(/^error: /, '').split('\n')[0] : String(e);
    const code = exitCodeOf(e);
    // A runtime failure may quote a request: secret-shaped pairs (`signature=…`) go too.
    const message = code === 2 ? processRedactor.scrubText(raw ?? '') : raw;
    io.err(`gridbot: ${code === 2 ? `failed: ${(e as Error).name ?? 'Error'}: ` : ''}${message}\n`);
    return code;
  }
}
