#!/usr/bin/env node
// The gridbot CLI. TypeScript sources run through tsx, so a fresh `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

// gridbot targets Node 20; the AWS SDK's notice about its future Node 22 requirement would only clutter
// the CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Output piped into a reader that stops early (`gridbot sim … | head`): end quietly, not with a stack.
// A running bot (`gridbot run … | tee`, an ssh that dies) keeps trading and stops printing instead: exiting
// here would skip its orderly stop.
const keepsRunning = process.argv[2] === 'run';
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      if (keepsRunning) return;
      process.exit(process.exitCode ?? 0);
    }
    throw e;
  });

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
