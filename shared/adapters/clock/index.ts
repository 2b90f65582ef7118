export { SystemClock } from './system-clock.js';
export { type TimerHandle, VirtualClock } from './virtual-clock.js';
