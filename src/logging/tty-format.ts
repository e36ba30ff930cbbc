// Readable log lines on a terminal, from the JSON lines pino writes:
//   12:00:01.234 WARN  [NodeRegistry] el node unhealthy node=geth-1 reason="lag 12 > 5"

const LEVEL_OF: Readonly<Record<string, { label: string; color: string }>> = {
  fatal: { label: 'FATAL', color: '\x1b[35m' },
  error: { label: 'ERROR', color: '\x1b[31m' },
  warn: { label: 'WARN ', color: '\x1b[33m' },
  info: { label: 'INFO ', color: '\x1b[32m' },
  debug: { label: 'DEBUG', color: '\x1b[36m' },
  trace: { label: 'TRACE', color: '\x1b[90m' },
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Printed by the line itself (time, level, context, message) or not at all (pid). */
const SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'context', 'msg', 'err']);

/** One readable line (with a trailing newline) for one JSON log line. */
export function formatForTerminal(jsonLine: string, colors: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  const level = LEVEL_OF[String(entry.level)] ?? { label: String(entry.level), color: '' };
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const paint = (color: string, text: string) => (colors ? `${color}${text}${RESET}` : text);
  const parts = [paint(DIM, time), paint(level.color, level.label)];
  if (typeof entry.context === 'string') parts.push(paint(DIM, `[${entry.context}]`));
  if (entry.msg !== undefined) parts.push(String(entry.msg));
  for (const [key, value] of Object.entries(entry)) {
    if (!SKIPPED.has(key)) parts.push(`${paint(DIM, `${key}=`)}${formatValue(value)}`);
  }
  let line = parts.join(' ');
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined;
  if (err !== undefined) line += `\n${String(err.stack ?? err.message ?? JSON.stringify(err))}`;
  return `${line}\n`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
