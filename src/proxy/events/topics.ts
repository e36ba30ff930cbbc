// The `topics` of GET /eth/v1/events: which ones exist, which ones Vixy rebuilds
// itself, and how a request's query is read.

/**
 * Topics Vixy follows on every node and delivers from its own chain log: they can be
 * rebuilt from the beacon API after a node change, and resumed with Last-Event-ID.
 */
export const CORE_TOPICS = ['block', 'head', 'finalized_checkpoint'] as const;
export type CoreTopic = (typeof CORE_TOPICS)[number];

/**
 * Every topic of the beacon API's eventstream (ethereum/beacon-APIs, plus
 * `blob_sidecar` and `light_client_update` that deployed nodes still serve). A topic
 * outside this list is answered 400 by Vixy itself: Lodestar 1.5.1, for one, never
 * answers a stream with an unknown topic (nor a comma list) and hangs instead.
 */
export const KNOWN_TOPICS: ReadonlySet<string> = new Set([
  ...CORE_TOPICS,
  'head_v2',
  'block_gossip',
  'attestation',
  'single_attestation',
  'voluntary_exit',
  'bls_to_execution_change',
  'proposer_slashing',
  'attester_slashing',
  'chain_reorg',
  'contribution_and_proof',
  'light_client_finality_update',
  'light_client_optimistic_update',
  'light_client_update',
  'payload_attributes',
  'blob_sidecar',
  'data_column_sidecar',
  'execution_payload',
  'execution_payload_gossip',
  'execution_payload_available',
  'execution_payload_bid',
  'payload_attestation_message',
  'fast_confirmation',
  'proposer_preferences',
]);

export function isCoreTopic(topic: string): topic is CoreTopic {
  return (CORE_TOPICS as readonly string[]).includes(topic);
}

/** The topics of one client stream, split by who serves them. */
export interface TopicSelection {
  /** Every topic asked for, deduplicated, in the order asked. */
  readonly all: readonly string[];
  /** Served from Vixy's chain log. */
  readonly core: ReadonlySet<CoreTopic>;
  /** Forwarded from a node's stream (sorted): at-most-once around a node change. */
  readonly extra: readonly string[];
}

export type TopicsResult =
  | { readonly ok: true; readonly topics: TopicSelection }
  | { readonly ok: false; readonly message: string };

/** Longest query string read for topics: every known topic fits several times. */
const MAX_QUERY_CHARS = 4096;

/**
 * Reads `topics` from the query of a request URL: repeated parameters
 * (`topics=head&topics=block`) and comma lists (`topics=head,block`) both, mixed too.
 * Fails, with the message a beacon node would give, when none is given or one is
 * unknown.
 */
export function parseTopics(url: string | undefined): TopicsResult {
  const q = (url ?? '').indexOf('?');
  const query = q < 0 ? '' : (url ?? '').slice(q + 1);
  if (query.length > MAX_QUERY_CHARS) return { ok: false, message: 'Query string too long' };
  const asked: string[] = [];
  for (const value of new URLSearchParams(query).getAll('topics')) {
    for (const topic of value.split(',')) {
      const trimmed = topic.trim();
      if (trimmed !== '') asked.push(trimmed);
    }
  }
  if (asked.length === 0) return { ok: false, message: 'Missing topics: at least one is required' };
  const unknown = asked.find((t) => !KNOWN_TOPICS.has(t));
  if (unknown !== undefined)
    return { ok: false, message: `Invalid topic: ${unknown.slice(0, 64)}` };
  const all = [...new Set(asked)];
  const core = new Set(all.filter(isCoreTopic));
  const extra = all.filter((t) => !isCoreTopic(t)).sort();
  return { ok: true, topics: { all, core, extra } };
}

/** The query of an upstream stream: repeated `topics=` (Lodestar 1.5.1 hangs on commas). */
export function topicsQuery(topics: readonly string[]): string {
  return topics.map((t) => `topics=${encodeURIComponent(t)}`).join('&');
}
