/** The operator commands (SPEC §6), one list for the admin function's schema and the CLI's subcommands. */
export const ADMIN_COMMANDS = [
  'status',
  'pause',
  'resume',
  'rebuild',
  'reset-counters',
  'close-all',
  'preflight',
  'report',
] as const;

export type AdminCommandName = (typeof ADMIN_COMMANDS)[number];
