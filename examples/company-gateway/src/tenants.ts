/** API keys of the tenants: key -> tenant name. */
export type Tenants = ReadonlyMap<string, string>;

/**
 * `tenant-a:key-a,tenant-b:key-b` (GATEWAY_API_KEYS) as a map from key to tenant.
 * Throws on a malformed entry, so that a typo stops the gateway at start-up.
 */
export function parseTenants(text: string): Tenants {
  const tenants = new Map<string, string>();
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const at = entry.indexOf(':');
    const tenant = entry.slice(0, at);
    const key = entry.slice(at + 1);
    if (at <= 0 || key.length < 16) {
      throw new Error(
        `GATEWAY_API_KEYS: "${tenant || entry}" needs "tenant:key" with a key of 16+ characters`,
      );
    }
    tenants.set(key, tenant);
  }
  return tenants;
}
