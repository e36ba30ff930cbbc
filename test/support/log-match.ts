/**
 * Whether one log line says `message` with `fields` (`key=value, key=value`). Lines are
 * JSON objects (a log record, whatever the logger nests its fields in): every leaf is
 * flattened to its own key, and values compare as text. A line that is not JSON matches
 * when it contains the message and every `key=value`.
 */
export function logLineMatches(line: string, message: string, fields = ''): boolean {
  const wanted = parseFields(fields);
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line.includes(message) && wanted.every(([k, v]) => line.includes(`${k}=${v}`));
  }
  const leaves = new Map<string, string[]>();
  const visit = (value: unknown, key: string): void => {
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    } else {
      leaves.set(key, [...(leaves.get(key) ?? []), String(value)]);
    }
  };
  visit(record, '');
  const texts = [...leaves.values()].flat();
  if (!texts.some((t) => t === message || t.includes(message))) return false;
  return wanted.every(([k, v]) => (leaves.get(k) ?? []).includes(v));
}

function parseFields(fields: string): [string, string][] {
  if (fields.trim() === '') return [];
  return fields.split(/,\s*(?=[\w.]+=)/).map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  });
}
