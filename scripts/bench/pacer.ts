/**
 * Open-loop pacing: fires `fire(i)` for i = 0, 1, ... at `perSecond` for `durationMs`, never
 * waiting for answers (a slow server does not slow the offered load down, as with real clients).
 * Ticks every few milliseconds and fires whatever is due, so timer jitter only bunches requests
 * slightly. `maxInFlight` bounds the load generator: when reached, firing waits and the lag is
 * reported (`behindMs`), so an overloaded run is visible instead of unbounded.
 */
export interface PaceResult {
  readonly fired: number;
  readonly seconds: number;
  /** The most the schedule fell behind (ms): time a due request waited for an in-flight slot or the event loop. */
  readonly behindMs: number;
}

export async function pace(options: {
  readonly perSecond: number;
  readonly durationMs: number;
  readonly fire: (i: number) => Promise<unknown>;
  readonly maxInFlight: number;
}): Promise<PaceResult> {
  const { perSecond, durationMs, fire, maxInFlight } = options;
  const total = Math.round((perSecond * durationMs) / 1000);
  const started = performance.now();
  let fired = 0;
  let inFlight = 0;
  let behindMs = 0;
  const pending = new Set<Promise<unknown>>();
  while (fired < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - started) * perSecond) / 1000) + 1);
    while (fired < due && inFlight < maxInFlight) {
      const scheduledAt = started + (fired * 1000) / perSecond;
      behindMs = Math.max(behindMs, now - scheduledAt);
      inFlight++;
      const p = fire(fired++).finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    if (fired >= total) break;
    const nextAt = started + (fired * 1000) / perSecond;
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(5, nextAt - performance.now()))));
  }
  await Promise.all(pending);
  return { fired, seconds: (performance.now() - started) / 1000, behindMs };
}
