import type { RebuildProgress } from '../lambdas/people/domain/rebuild-index';

const WIDTH = 30;
const PHASE_NAMES: Record<RebuildProgress['phase'], string> = { copy: 'copy', 'catch-up': 'catch-up', swap: 'swap' };

/**
 * One progress line: `copy      [#########.....................]   1200/4000  30.0%   812/s`.
 * The rate counts this run's documents over its own time (a resumed run starts at its checkpoint).
 */
export function progressLine(progress: RebuildProgress, doneThisRun: number, elapsedMs: number): string {
  const total = Math.max(progress.total, progress.done, 1);
  const share = progress.total === 0 ? 1 : progress.done / total;
  const filled = Math.round(share * WIDTH);
  const rate = elapsedMs > 0 ? Math.round((doneThisRun * 1000) / elapsedMs) : 0;
  const count = `${progress.done}/${progress.total}`.padStart(15);
  return `${PHASE_NAMES[progress.phase].padEnd(9)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${count} ${(share * 100).toFixed(1).padStart(5)}% ${String(rate).padStart(6)}/s${progress.resumed ? ' (resumed)' : ''}`;
}

/**
 * Draws progress on a stream: redrawn in place on a terminal, a line at most every 2 s (and at
 * each phase's start and end) elsewhere, so logs stay readable.
 */
export function progressBar(stream: NodeJS.WriteStream, now: () => number = Date.now) {
  let phase: RebuildProgress['phase'] | undefined;
  let phaseStart = 0;
  let startDone = 0;
  let lastPrinted = 0;
  let open = false;
  let last: RebuildProgress | undefined;
  /** What the last logged line showed (a log never gets the same count twice). */
  let lastLogged = '';
  const draw = (progress: RebuildProgress, force: boolean) => {
    const line = progressLine(progress, progress.done - startDone, now() - phaseStart);
    const shown = `${progress.phase} ${progress.done}/${progress.total}`;
    if (stream.isTTY) {
      stream.write(`\r${line}\u001b[K`);
      open = true;
    } else if (shown !== lastLogged && (force || now() - lastPrinted >= 2000)) {
      stream.write(`${line}\n`);
      lastPrinted = now();
      lastLogged = shown;
    }
  };
  return {
    update(progress: RebuildProgress): void {
      if (progress.phase !== phase) {
        if (last) draw(last, true);
        if (open) stream.write('\n');
        open = false;
        phase = progress.phase;
        phaseStart = now();
        startDone = progress.done;
        draw(progress, true);
      } else {
        draw(progress, progress.done >= progress.total);
      }
      last = progress;
    },
    end(): void {
      if (last && !stream.isTTY) draw(last, true);
      if (open) stream.write('\n');
      open = false;
    },
  };
}
