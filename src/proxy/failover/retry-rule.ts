// The retry-safety rule, one for every path: a call goes to a second node only when
// nothing of it was sent to the first (connection refused, DNS failure, pool closed), or
// when the method is safe to repeat. Node-signed methods must not run twice (two signed
// transactions for one client call); eth_sendRawTransaction is safe (idempotent by hash:
// a node that already has it answers "already known", which Vixy turns into the hash).

/** Always protected, whatever the config says. */
export const NODE_SIGNED_METHODS: readonly string[] = [
  'eth_sendTransaction',
  'eth_sign',
  'eth_signTransaction',
  'eth_signTypedData',
  'eth_signTypedData_v1',
  'eth_signTypedData_v3',
  'eth_signTypedData_v4',
  'personal_sign',
  'personal_sendTransaction',
  'personal_signTransaction',
];

/** `(method) => may it be sent to another node after it may have reached one`. */
export type ResendRule = (method: string) => boolean;

/** The rule for `[proxy] no_retry_methods` (added to the node-signed methods). */
export function createResendRule(noRetryMethods: readonly string[]): ResendRule {
  const never = new Set([...NODE_SIGNED_METHODS, ...noRetryMethods]);
  return (method) => !never.has(method);
}
