/**
 * What an operator types in Telegram, read as one of the admin commands (the same service the CLI and the
 * admin Lambda call), and the data a confirmation button carries back.
 *
 *   /status [instance]          /pause <instance> [reason…]     /resume <instance>
 *   /rebuild <instance>         /resetcounters <instance>       /closeall <instance> [normal|emergency]
 *   /help (/start)
 *
 * The instance may be left out when the deployment has one. `/rebuild`, `/resetcounters` and `/closeall`
 * are confirmed with a button whose data names the command, the instance and the admin service's token
 * (bound to the state version: a press after anything changed, or after five minutes, is refused).
 *
 * Entry points: `parseChatCommand`, `confirmData`, `parseConfirmData`, `CONFIRMED_IN_CHAT`, `HELP_LINES`.
 * Invariants: button data ≤ 64 bytes (Telegram's limit); nothing here acts, it only reads.
 */
import type { AdminCommandName } from '../admin-commands.js';

export type ChatCommandName = Extract<
  AdminCommandName,
  'status' | 'pause' | 'resume' | 'rebuild' | 'reset-counters' | 'close-all'
>;

export type ParsedChatCommand =
  | {
      readonly kind: 'command';
      readonly command: ChatCommandName;
      /** Null: every instance (`/status` only). */
      readonly instanceId: string | null;
      readonly reason?: string | undefined;
      readonly urgency?: 'normal' | 'emergency' | undefined;
    }
  | { readonly kind: 'help' }
  /** Not a command of ours, or a command said wrong: the reply says what to type. */
  | { readonly kind: 'invalid'; readonly reply: string }
  /** Plain chat text: ignored. */
  | { readonly kind: 'none' };

const NAMES: Readonly<Record<string, ChatCommandName | 'help'>> = {
  status: 'status',
  pause: 'pause',
  resume: 'resume',
  rebuild: 'rebuild',
  resetcounters: 'reset-counters',
  closeall: 'close-all',
  help: 'help',
  start: 'help',
};

/** The commands a button must confirm (the admin service confirms the last two itself as well). */
export const CONFIRMED_IN_CHAT: ReadonlySet<ChatCommandName> = new Set([
  'rebuild',
  'reset-counters',
  'close-all',
]);

export const HELP_LINES: readonly string[] = [
  '/status [instance] — what each instance holds and does',
  '/pause &lt;instance&gt; [reason] — stop opening; stops stay',
  '/resume &lt;instance&gt; — trade again',
  '/rebuild &lt;instance&gt; — rebuild the grid (asks to confirm)',
  '/resetcounters &lt;instance&gt; — reset the risk counters (asks to confirm)',
  '/closeall &lt;instance&gt; [normal|emergency] — close every position (asks to confirm)',
];

const INSTANCE = /^[a-z0-9]{1,12}$/;

/**
 * Reads a message. `bot` is the bot's @username (a `/cmd@otherbot` is not for us); `instances` the
 * deployment's instance ids (one: it may be left out).
 */
export function parseChatCommand(
  text: string,
  instances: readonly string[],
  bot?: string | undefined,
): ParsedChatCommand {
  const m = /^\/([A-Za-z_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!m) return { kind: 'none' };
  const [, rawName, addressee, rest] = m as unknown as [
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  if (addressee && bot && addressee.toLowerCase() !== bot.toLowerCase()) return { kind: 'none' };
  const name = NAMES[rawName.toLowerCase()];
  if (!name) return { kind: 'invalid', reply: `unknown command /${rawName}: send /help for the list` };
  if (name === 'help') return { kind: 'help' };
  const args = (rest ?? '').trim().split(/\s+/).filter(Boolean);
  let instanceId: string | null = null;
  if (args[0] && instances.includes(args[0])) instanceId = args.shift()!;
  else if (args[0] && INSTANCE.test(args[0]) && name !== 'pause')
    return { kind: 'invalid', reply: `no instance "${args[0]}" (known: ${instances.join(', ')})` };
  else if (instances.length === 1 && name !== 'status') instanceId = instances[0]!;
  if (instanceId === null && name !== 'status')
    return {
      kind: 'invalid',
      reply: `/${rawName.toLowerCase()} needs an instance: /${rawName.toLowerCase()} &lt;instance&gt; (known: ${instances.join(', ')})`,
    };
  if (name === 'close-all') {
    const urgency = args[0];
    if (urgency !== undefined && urgency !== 'normal' && urgency !== 'emergency')
      return { kind: 'invalid', reply: '/closeall &lt;instance&gt; [normal|emergency]' };
    return { kind: 'command', command: name, instanceId, urgency };
  }
  if (name === 'pause') {
    const reason = args.join(' ').slice(0, 200);
    return { kind: 'command', command: name, instanceId, ...(reason ? { reason } : {}) };
  }
  if (args.length > 0)
    return { kind: 'invalid', reply: `/${rawName.toLowerCase()} takes no more than the instance` };
  return { kind: 'command', command: name, instanceId };
}

const SHORT: Readonly<Record<string, ChatCommandName>> = {
  rb: 'rebuild',
  rc: 'reset-counters',
  ca: 'close-all',
  can: 'close-all',
};

/** The data of a confirmation button (≤ 64 bytes). */
export function confirmData(
  command: ChatCommandName,
  instanceId: string,
  token: string,
  urgency?: 'normal' | 'emergency',
): string {
  const short =
    command === 'rebuild' ? 'rb' : command === 'reset-counters' ? 'rc' : urgency === 'normal' ? 'can' : 'ca';
  const data = `ok:${short}:${instanceId}:${token}`;
  if (new TextEncoder().encode(data).length > 64)
    throw new Error(`confirmation data for ${instanceId} is over 64 bytes`);
  return data;
}

export function parseConfirmData(
  data: string,
): { command: ChatCommandName; instanceId: string; token: string; urgency?: 'normal' | 'emergency' } | null {
  const m = /^ok:(rb|rc|ca|can):([a-z0-9]{1,12}):([A-Za-z0-9_-]{8,40})$/.exec(data);
  if (!m) return null;
  const [, short, instanceId, token] = m as unknown as [string, string, string, string];
  const command = SHORT[short]!;
  return {
    command,
    instanceId,
    token,
    ...(command === 'close-all'
      ? { urgency: short === 'can' ? ('normal' as const) : ('emergency' as const) }
      : {}),
  };
}
