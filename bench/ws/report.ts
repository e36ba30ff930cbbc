import { table } from '../chaos/load';
import { type FailoverFigures } from './failover';
import { type IdleFigures } from './idle';
import { type PathFigures } from './paths';

// The figures of bench/ws.ts: one table with goals (as bench/chaos.ts prints it), then
// one line per figure with its details and whether its goal is met.

export const UPSTREAM_GOAL = 2;
const MEMORY_GOAL_KIB = 10;

export interface Figures {
  /** null: the part was left out. */
  readonly idle: IdleFigures | Error | null;
  /** KiB per idle session of a bare `ws` server (the fake node), for comparison. */
  readonly bareWs: number | Error | null;
  readonly paths: ReadonlyMap<
    number,
    { direct: PathFigures | Error; through: PathFigures | Error }
  >;
  readonly failover: FailoverFigures | Error | null;
}

type Row = [string, string, string];

const k = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'n/a');
const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
const firstLine = (err: Error) => err.message.split('\n')[0].slice(0, 100);
const opened = (f: { opened: number; sessions: number; openErrors: readonly string[] }) =>
  f.opened === f.sessions ? '' : ` (only ${k(f.opened)} opened: ${f.openErrors[0] ?? '?'})`;

function paths(f: Figures, rows: Row[], lines: string[]): void {
  for (const [n, { direct, through }] of f.paths) {
    const failure = direct instanceof Error ? direct : through instanceof Error ? through : null;
    if (direct instanceof Error || through instanceof Error) {
      rows.push([`${k(n)} sessions`, `failed: ${firstLine(failure as Error)}`, '']);
      lines.push(`${k(n)} sessions: failed: ${(failure as Error).message}`);
      continue;
    }
    const ratio = through.notesPerSecond / direct.notesPerSecond;
    rows.push(
      [
        `notes/s, ${k(n)} sessions: direct / through Vixy`,
        `${k(direct.notesPerSecond)} / ${k(through.notesPerSecond)} = ${ratio.toFixed(2)}x`,
        '>= 1.0x',
      ],
      [
        `delay p50 / p99, ${k(n)} sessions: direct`,
        `${ms(direct.delayP50)} / ${ms(direct.delayP99)}`,
        '',
      ],
      [
        `delay p50 / p99, ${k(n)} sessions: through Vixy`,
        `${ms(through.delayP50)} / ${ms(through.delayP99)}`,
        '',
      ],
      [
        `notes lost / repeated, ${k(n)} sessions: through Vixy`,
        `${through.lost} / ${through.repeated}`,
        '0 / 0',
      ],
    );
    lines.push(
      `notes/s with ${k(n)} sessions${opened(through)}: direct ${k(direct.notesPerSecond)}, through Vixy ${k(through.notesPerSecond)}: ${ratio.toFixed(2)}x (goal >= 1.0x: ${met(ratio >= 1)}); serving CPU per 1000 notes: direct ${direct.cpuMsPer1000.toFixed(1)} ms (the node), through ${through.cpuMsPer1000.toFixed(1)} ms (Vixy ${through.vixyCpuMsPer1000.toFixed(1)} ms)`,
      `delay node -> client with ${k(n)} sessions, a block every ${Math.round(direct.blockIntervalMs)} ms (${k((n * 1000) / direct.blockIntervalMs)} notes/s): direct p50 ${ms(direct.delayP50)}, p99 ${ms(direct.delayP99)}; through Vixy p50 ${ms(through.delayP50)}, p99 ${ms(through.delayP99)}`,
      `delivery to ${k(n)} sessions through Vixy: ${through.lost} notes lost, ${through.repeated} repeated, sessions closed by Vixy ${JSON.stringify(through.closes)}, upstream TCP connections to the node meanwhile ${through.upstreamTcp} (direct: ${direct.lost} lost, ${direct.repeated} repeated)`,
    );
  }
}

function idle(f: Figures, rows: Row[], lines: string[]): void {
  if (f.idle === null) return;
  if (f.idle instanceof Error) {
    rows.push(['idle sessions', `failed: ${firstLine(f.idle)}`, '']);
    lines.push(`idle sessions: failed: ${f.idle.message}`);
    return;
  }
  const i = f.idle;
  const perSession = (i.rssAfterKiB - i.rssBeforeKiB) / i.sessions;
  const metric = Number.isNaN(i.metric) ? 'n/a' : String(i.metric);
  const upstream = Math.max(i.tcp, Number.isNaN(i.metric) ? 0 : i.metric);
  const partial =
    i.sessions === i.asked
      ? ''
      : ` (only ${k(i.sessions)} of ${k(i.asked)} opened: ${i.openErrors[0] ?? '?'})`;
  const bare = f.bareWs instanceof Error || f.bareWs === null ? NaN : f.bareWs;
  const bareText = Number.isNaN(bare) ? 'n/a' : `${bare.toFixed(1)} KiB`;
  rows.push(
    [
      `memory per idle session, ${k(i.sessions)} sessions`,
      `${perSession.toFixed(1)} KiB`,
      `<= ${MEMORY_GOAL_KIB} KiB`,
    ],
    ['memory per idle session, bare ws server (for comparison)', bareText, ''],
    [
      `upstream WS connections, ${k(i.sessions)} sessions: metric / TCP`,
      `${metric} / ${i.tcp}`,
      `<= ${UPSTREAM_GOAL}`,
    ],
  );
  lines.push(
    `memory per idle session${partial}: Vixy RSS ${(i.rssBeforeKiB / 1024).toFixed(0)} MiB -> ${(i.rssAfterKiB / 1024).toFixed(0)} MiB with ${k(i.sessions)} sessions, one newHeads subscription each: ${perSession.toFixed(1)} KiB (goal <= ${MEMORY_GOAL_KIB} KiB: ${met(perSession <= MEMORY_GOAL_KIB)}); the next block reached ${k(i.nextBlockDelivered)} of them; a bare ws server (the fake node, sessions straight on it) holds ${bareText} per session${f.bareWs instanceof Error ? ` (${firstLine(f.bareWs)})` : ''}`,
    `upstream WebSockets to the node with ${k(i.sessions)} sessions open: vixy_ws_upstream_connections ${Number.isNaN(i.metric) ? 'absent' : metric}, established TCP connections to its ws port ${i.tcp}, the node counts ${i.nodeSockets} (goal <= ${UPSTREAM_GOAL}: ${met(upstream <= UPSTREAM_GOAL)})`,
  );
}

function failover(f: Figures, rows: Row[], lines: string[]): void {
  if (f.failover === null) return;
  if (f.failover instanceof Error) {
    rows.push(['failover', `failed: ${firstLine(f.failover)}`, '']);
    lines.push(`failover: failed: ${f.failover.message}`);
    return;
  }
  const fo = f.failover;
  for (const x of fo.faults) {
    rows.push([
      `${x.fault} serving node -> next note p50 / max`,
      `${ms(x.nextNoteP50)} / ${ms(x.nextNoteMax)} (next block +${ms(x.nextBlock)})`,
      '',
    ]);
    lines.push(
      `${x.fault} of the node serving ${x.onNode} of ${fo.sessions} sessions: the next block's notification came after p50 ${ms(x.nextNoteP50)}, max ${ms(x.nextNoteMax)}; the next block was mined after ${ms(x.nextBlock)}`,
    );
  }
  rows.push([
    `failover: blocks missed / repeated, ${fo.sessions} sessions`,
    `${fo.missed} / ${fo.duplicated}`,
    '0 / 0',
  ]);
  lines.push(
    `failover over ${fo.blocks} blocks and ${fo.faults.length} faults, ${fo.sessions} sessions: ${fo.missed} blocks missed, ${fo.duplicated} repeated, ${fo.outOfOrder} out of order, ${fo.closed} sessions closed (goal 0 / 0: ${met(fo.missed === 0 && fo.duplicated === 0)})`,
  );
}

export function report(f: Figures): string {
  const rows: Row[] = [];
  const lines: string[] = [];
  paths(f, rows, lines);
  idle(f, rows, lines);
  failover(f, rows, lines);
  return `${table(rows)}\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
}
