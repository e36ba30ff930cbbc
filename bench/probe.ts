import { httpRequest } from '../test/support/http';

const BODY = { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] };

/** true once url answers eth_blockNumber with a result (for waitFor). */
export async function probe(
  url: string,
  headers: Record<string, string> = {},
): Promise<true | undefined> {
  const res = await httpRequest(url, { body: BODY, timeoutMs: 1000, headers });
  return res.status === 200 && res.text.includes('"result"') ? true : undefined;
}
