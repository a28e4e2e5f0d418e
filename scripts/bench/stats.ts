/** Latency figures as the benchmarks report them: nearest-rank percentiles over every sample. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/** Nearest-rank percentile of an ascending array (`q` in [0, 1]); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
    meanMs: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** `p50 1.23 ms  p99 4.56 ms  max 7.89 ms (n=100)` */
export function formatSummary(summary: LatencySummary): string {
  const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(2)} ms`);
  return `p50 ${ms(summary.p50Ms)}  p99 ${ms(summary.p99Ms)}  max ${ms(summary.maxMs)} (n=${summary.count})`;
}

/** Milliseconds since `started` (a `process.hrtime.bigint()` reading). */
export function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** One route's figures over a timed run: requests per second, percentiles, answers by status. */
export interface RouteFigures extends LatencySummary {
  readonly perSecond: number;
  readonly statuses: Readonly<Record<number, number>>;
}

export function routeFigures(
  samples: readonly { readonly ms: number; readonly status: number }[],
  seconds: number,
): RouteFigures {
  const statuses: Record<number, number> = {};
  for (const sample of samples) statuses[sample.status] = (statuses[sample.status] ?? 0) + 1;
  return { ...summarize(samples.map((sample) => sample.ms)), perSecond: samples.length / seconds, statuses };
}
