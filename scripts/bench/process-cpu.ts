/**
 * CPU time of processes, read from /proc (Linux): on a machine shared with other work, the CPU a
 * process spent per request is a steadier measure of its cost than wall-clock latency, which
 * also counts the time it waited for a core.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ProcessStat {
  readonly pid: number;
  readonly processGroup: number;
  readonly name: string;
  /** User plus system CPU time, in milliseconds. */
  readonly cpuMs: number;
}

function statOf(pid: number): ProcessStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name is in parentheses and may itself hold spaces and parentheses: split after the last ')'.
    const close = text.lastIndexOf(')');
    const name = text.slice(text.indexOf('(') + 1, close);
    const fields = text
      .slice(close + 2)
      .split(' ')
      .map((field) => Number(field));
    // After the name: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime.
    const [processGroup, utime, stime] = [fields[2], fields[11], fields[12]] as [number, number, number];
    return { pid, processGroup, name, cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** What a matcher sees of a process; the command line is read only when asked for. */
export interface ProcessInfo {
  readonly processGroup: number;
  readonly name: string;
  commandLine(): string;
}

/**
 * CPU milliseconds spent so far, per name of `matchers`, by the processes each one picks (one
 * pass over /proc; a process may count under several names).
 */
export function cpuMsBy(matchers: Readonly<Record<string, (process: ProcessInfo) => boolean>>): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(Object.keys(matchers).map((name) => [name, 0]));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (!stat) continue;
    const info: ProcessInfo = {
      processGroup: stat.processGroup,
      name: stat.name,
      commandLine: () => {
        try {
          return readFileSync(`/proc/${stat.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        } catch {
          return '';
        }
      },
    };
    for (const [name, matches] of Object.entries(matchers)) {
      if (matches(info)) totals[name] = (totals[name] ?? 0) + stat.cpuMs;
    }
  }
  return totals;
}
