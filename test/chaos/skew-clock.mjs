// Preloaded into a chaos child process (`node --import ./test/chaos/skew-clock.mjs ...`): the host clock is
// off by GRIDBOT_CHAOS_CLOCK_SKEW_MS, as a machine whose NTP failed would be. Date.now and new Date() move;
// the monotonic clock does not.
const skew = Number(process.env.GRIDBOT_CHAOS_CLOCK_SKEW_MS ?? 0);
if (Number.isFinite(skew) && skew !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + skew);
      else super(...args);
    }
    static now() {
      return realNow() + skew;
    }
  }
  globalThis.Date = SkewedDate;
}
