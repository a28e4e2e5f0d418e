import type { RebuildProgress } from '../../lambdas/people/domain/rebuild-index';
import { progressBar, progressLine } from '../../scripts/people-reindex-progress';

const progress = (done: number, total: number, phase: RebuildProgress['phase'] = 'copy'): RebuildProgress => ({
  phase,
  target: 'people-x',
  done,
  total,
  resumed: false,
});

/** A stream that keeps what is written; `isTTY` as asked. */
function sink(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream };
}

describe('people:reindex progress', () => {
  it("draws rows done of the total, the share and this run's rate", () => {
    expect(progressLine(progress(1200, 4000), 600, 1000)).toBe(
      `copy      [#########.....................]       1200/4000  30.0%    600/s`,
    );
    expect(progressLine({ ...progress(0, 0, 'catch-up'), resumed: true }, 0, 0)).toContain('100.0%');
    expect(progressLine({ ...progress(0, 0, 'catch-up'), resumed: true }, 0, 0)).toMatch(/\(resumed\)$/);
    // More done than counted at the start (writes meanwhile): the bar is full, never past it.
    expect(progressLine(progress(4100, 4000), 4100, 1000)).toContain(`[${'#'.repeat(30)}]`);
  });

  it('redraws one line on a terminal; writes a line every 2 s and at phase ends elsewhere', () => {
    let now = 0;
    const tty = sink(true);
    const bar = progressBar(tty.stream, () => now);
    bar.update(progress(0, 100));
    now = 100;
    bar.update(progress(50, 100));
    bar.end();
    expect(tty.written.filter((text) => text.startsWith('\r'))).toHaveLength(2);
    expect(tty.written[tty.written.length - 1]).toBe('\n');

    now = 0;
    const log = sink(false);
    const logged = progressBar(log.stream, () => now);
    logged.update(progress(0, 100));
    for (let done = 10; done < 100; done += 10) {
      now += 300;
      logged.update(progress(done, 100));
    }
    logged.update(progress(100, 100));
    logged.update(progress(0, 5, 'catch-up'));
    logged.end();
    const lines = log.written.join('').trim().split('\n');
    expect(lines[0]).toMatch(/^copy .* 0\/100/);
    expect(lines.some((line) => /^copy .* 100\/100 100\.0%/.test(line))).toBe(true);
    expect(lines.filter((line) => line.startsWith('copy')).length).toBeLessThan(6);
    expect(lines[lines.length - 1]).toMatch(/^catch-up .* 0\/5/);
  });
});
