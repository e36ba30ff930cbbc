import { readFileSync } from 'node:fs';

// CPU time of a process and its children from /proc (Linux): on a shared machine,
// CPU time per request is a steadier figure than requests per second.

const CLOCK_TICKS_PER_SECOND = 100;

function ticks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function children(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(' ').map(Number);
  } catch {
    return [];
  }
}

/** CPU seconds used so far by pid and its children (nginx's worker), 0 without /proc. */
export function cpuSeconds(pid: number): number {
  const all = [pid, ...children(pid)];
  return all.reduce((sum, p) => sum + ticks(p), 0) / CLOCK_TICKS_PER_SECOND;
}
