// What Vixy writes on a client's event stream. Data of beacon events is one line of
// JSON; a data value with line breaks is split into several `data:` lines.

export function formatEvent(id: string, event: string, data: string): string {
  const lines = data.includes('\n') || data.includes('\r') ? data.split(/\r\n|\r|\n/) : [data];
  return `id: ${id}\nevent: ${event}\n${lines.map((l) => `data: ${l}\n`).join('')}\n`;
}

/** A comment line: ignored by EventSource, keeps idle connections alive through proxies. */
export const KEEPALIVE_COMMENT = ': keep-alive\n\n';
