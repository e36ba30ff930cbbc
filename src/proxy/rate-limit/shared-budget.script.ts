import { RedisScript } from '../../redis/redis.script';

/**
 * The fleet's token bucket of one node, in Redis (a hash: `tokens`, `ts`), taken from
 * atomically. Time is Redis's own (TIME), so replicas' clocks do not matter. A key
 * that does not exist is a full bucket; it expires once it would be full again.
 *
 * KEYS[1]: the bucket. ARGV: capacity, tokens per second, tokens wanted, tokens
 * returned (an unused lease, added back first, never above capacity).
 * Returns { granted (integer, 0..wanted), ms until one more token (0 when all granted) }.
 */
export const LEASE_SCRIPT = new RedisScript(
  `local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2]) / 1000
local want = tonumber(ARGV[3])
local returned = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * perMs)
  ts = now
end
tokens = math.min(capacity, tokens + returned)
local granted = math.max(0, math.min(want, math.floor(tokens)))
tokens = tokens - granted
local wait = 0
if granted < want and tokens < 1 then
  wait = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / perMs) + 1000)
return { granted, wait }`,
  1,
);

/** The script's answer, or undefined when it is not one. */
export function parseLease(reply: unknown): { granted: number; waitMs: number } | undefined {
  if (!Array.isArray(reply) || reply.length !== 2) return undefined;
  const [granted, waitMs] = reply as unknown[];
  if (typeof granted !== 'number' || typeof waitMs !== 'number') return undefined;
  return { granted, waitMs };
}
