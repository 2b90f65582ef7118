/**
 * One scheduled recon delivery in its own process (the chaos suite kills it with SIGKILL at a random
 * moment, as Lambda does at a timeout): `tsx test/chaos/recon-pass.ts <scheduledTime>`, environment as the
 * recon Lambda's.
 */
import { handler } from '../../functions/recon/handler.js';

const r = await handler({ instanceId: '*', scheduledTime: process.argv[2] ?? new Date().toISOString() });
process.stdout.write(`${JSON.stringify({ ok: 'ok' in r && r.ok })}\n`);
process.exit(0);
