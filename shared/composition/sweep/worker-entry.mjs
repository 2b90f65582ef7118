// The sweep's worker-thread entry (tinypool loads it): plain JavaScript, so a worker starts the same way
// whether the pool was made by `bin/gridbot.js` (tsx), vitest or anything else. It registers tsx in this
// thread, then loads the TypeScript task, which runs one combination's simulation.
import { register } from 'tsx/esm/api';

register();
const { runSweepTask } = await import('./worker.ts');

export default runSweepTask;
