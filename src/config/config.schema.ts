import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsListenAddress, IsUrlWithScheme } from './config.validators';

// Every key of the TOML file, with its default, lives in this file. The names are the
// file's own (snake_case) so that a validation error names the key the user wrote.

const POSITIVE = { message: 'must be a positive integer' };
const NON_NEGATIVE = { message: 'must be a non-negative integer' };
const HTTP_URL = 'must be an http:// or https:// URL';
const WS_URL = 'must be a ws:// or wss:// URL';
const REDIS_URL = 'must be a redis:// or rediss:// URL';

export const ROUTING_STRATEGIES = ['first_healthy', 'round_robin', 'latency'] as const;
export type RoutingStrategyName = (typeof ROUTING_STRATEGIES)[number];

export class GlobalConfig {
  @IsInt(NON_NEGATIVE) @Min(0, NON_NEGATIVE) max_el_lag_blocks = 5;
  @IsInt(NON_NEGATIVE) @Min(0, NON_NEGATIVE) max_cl_lag_slots = 3;
  @IsInt(POSITIVE) @Min(1, POSITIVE) health_check_interval_ms = 1000;
  @IsInt(POSITIVE) @Min(1, POSITIVE) health_check_timeout_ms = 5000;
  @IsInt(POSITIVE) @Min(1, POSITIVE) health_check_max_failures = 3;
  /** Consecutive good checks before a node that was out of rotation takes traffic again. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) health_check_min_successes = 2;
  @IsInt(POSITIVE) @Min(1, POSITIVE) proxy_timeout_ms = 30000;
  @IsInt(NON_NEGATIVE) @Min(0, NON_NEGATIVE) max_retries = 2;
}

export class ServerConfig {
  @IsString({ message: 'must be a string' }) @IsListenAddress() listen = '0.0.0.0:8080';
  /**
   * On SIGTERM, how long Vixy keeps serving after readiness turns 503, so that load
   * balancers and Kubernetes endpoints stop sending before the listener closes.
   */
  @IsInt(NON_NEGATIVE) @Min(0, NON_NEGATIVE) shutdown_delay_ms = 0;
  /** After the delay, how long in-flight requests may take before what is left is closed. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) shutdown_grace_ms = 10000;
}

export class MetricsConfig {
  @IsBoolean({ message: 'must be true or false' }) enabled = true;
  /** When set, /metrics is served on this port (same host as [server].listen) instead. */
  @IsOptional()
  @IsInt({ message: 'must be a port number from 1 to 65535' })
  @Min(1, { message: 'must be a port number from 1 to 65535' })
  @Max(65535, { message: 'must be a port number from 1 to 65535' })
  port?: number;
}

export class ProxyConfig {
  @IsIn(ROUTING_STRATEGIES, { message: `must be one of ${ROUTING_STRATEGIES.join(', ')}` })
  el_routing: RoutingStrategyName = 'first_healthy';
  @IsIn(ROUTING_STRATEGIES, { message: `must be one of ${ROUTING_STRATEGIES.join(', ')}` })
  cl_routing: RoutingStrategyName = 'first_healthy';
  /** Largest request body accepted on /el and /cl (413 above). */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_body_bytes = 10 * 1024 * 1024;
  /** Most calls in one JSON-RPC batch; 0 means no limit. */
  @IsInt(NON_NEGATIVE) @Min(0, NON_NEGATIVE) max_batch_size = 1000;
  /** Methods refused on /el: an entry ending in `_` is a namespace prefix, otherwise a full name. */
  @IsArray({ message: 'must be an array of method names or namespace prefixes' })
  @IsString({ each: true, message: 'must be an array of method names or namespace prefixes' })
  deny_methods: string[] = ['admin_', 'personal_', 'miner_'];
  /**
   * Methods never sent to a second node once they may have reached one (besides the
   * node-signed ones Vixy always protects: eth_sendTransaction, eth_sign*, ...).
   */
  @IsArray({ message: 'must be an array of method names' })
  @IsString({ each: true, message: 'must be an array of method names' })
  no_retry_methods: string[] = [];
  /** Largest upstream answer Vixy passes on (HTTP and WebSocket); larger ones fail the call. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_response_bytes = 128 * 1024 * 1024;
  /**
   * Silence (no event on Vixy's internal head stream) after which a CL node stops serving
   * event streams when another node is live; default two slots of the node
   * (SECONDS_PER_SLOT of its /eth/v1/config/spec).
   */
  @IsOptional() @IsInt(POSITIVE) @Min(1, POSITIVE) cl_event_stall_ms?: number;
  /** An SSE comment line on every client event stream this often. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) cl_event_keepalive_ms = 15000;
  /** Open GET /cl/eth/v1/events streams; 503 beyond. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_event_streams = 1000;
  /** Filters (eth_new*Filter) installed at once, over /el and /el/ws; -32005 beyond. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_filters = 10000;
}

export class WebSocketConfig {
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_sessions = 10000;
  /** Largest frame a client may send. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_message_bytes = 1024 * 1024;
  /** Requests of one session awaiting an upstream answer. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_pending_requests = 1000;
  /** Client messages held while the session has no upstream. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_queued_messages = 1000;
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_subscriptions = 100;
  /** Bytes waiting to be written to a client before it is closed as too slow. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_client_buffer_bytes = 16 * 1024 * 1024;
  /** How long a session without any healthy node is kept before it is closed with 1013. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) reconnect_deadline_ms = 30000;
  @IsInt(POSITIVE) @Min(1, POSITIVE) ping_interval_ms = 30000;
  /** A session on a backup moves back to a primary once one has been available this long. */
  @IsInt(NON_NEGATIVE) @Min(0, NON_NEGATIVE) failback_delay_ms = 3000;
  /** WebSocket connections to each EL node, shared by every client session. */
  @IsInt(POSITIVE)
  @Min(1, POSITIVE)
  @Max(16, { message: 'must be at most 16' })
  upstream_connections_per_node = 2;
  /** Recent blocks of the head log: how far newHeads, logs and filters can catch up. */
  @IsInt(POSITIVE)
  @Min(1, POSITIVE)
  @Max(100000, { message: 'must be at most 100000' })
  head_log_depth = 128;
}

export class AdminConfig {
  /** Bearer token for /admin; the API is off when neither this nor VIXY_ADMIN_TOKEN is set. */
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @MinLength(16, { message: 'must be at least 16 characters' })
  token?: string;
  /** Swagger UI at GET /docs and the OpenAPI document at GET /docs-json; false removes both. */
  @IsBoolean({ message: 'must be true or false' }) docs = true;
}

/**
 * Shared state of several replicas (budgets, health checks, cached answers) through
 * one Redis. Without `url` each replica works alone. Restart-only: a reload keeps it.
 */
export class RedisConfig {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  @IsOptional() @IsUrlWithScheme(['redis:', 'rediss:'], REDIS_URL) url?: string;
  /** Prefix of every key and channel, so that several fleets can share one Redis. */
  @IsString({ message: 'must be a string' })
  @MaxLength(64, { message: 'must be at most 64 characters' })
  key_prefix = 'vixy:';
  /** One replica checks the nodes and publishes the results; false: each checks alone. */
  @IsBoolean({ message: 'must be true or false' }) share_health = true;
  /** Longest wait for Redis on a client's request (cached answers); a miss after that. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) command_timeout_ms = 5;
}

/** Answers that can never change (immutable blocks, finalized data), kept in memory. */
export class CacheConfig {
  @IsBoolean({ message: 'must be true or false' }) enabled = false;
  /** Memory for cached answers (keys and result texts); least recently used go first. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) max_bytes = 64 * 1024 * 1024;
  /** With [redis]: how long an answer stays in Redis (the shared tier), in seconds. */
  @IsInt(POSITIVE) @Min(1, POSITIVE) redis_ttl_s = 86400;
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const NODE_NAME_MESSAGE =
  'must start with a letter or digit and contain only letters, digits, ".", "_", ":" and "-"';

abstract class NodeConfigBase {
  @IsString({ message: 'must be a string' })
  @MaxLength(64, { message: 'must be at most 64 characters' })
  @Matches(NODE_NAME, { message: NODE_NAME_MESSAGE })
  name!: string;
  /** Sustained requests per second to this node. */
  @IsOptional() @IsInt(POSITIVE) @Min(1, POSITIVE) max_qps?: number;
  /** Burst: requests allowed back-to-back (token bucket capacity); default max_qps. */
  @IsOptional() @IsInt(POSITIVE) @Min(1, POSITIVE) max_consecutive_requests?: number;
}

export class ElNodeConfig extends NodeConfigBase {
  @IsUrlWithScheme(['http:', 'https:'], HTTP_URL) http_url!: string;
  @IsUrlWithScheme(['ws:', 'wss:'], WS_URL) ws_url!: string;
}

export class ClNodeConfig extends NodeConfigBase {
  @IsUrlWithScheme(['http:', 'https:'], HTTP_URL) url!: string;
}

/**
 * The EL layer: absent (no node at all) when Vixy serves only the beacon API. Backups
 * need at least one primary (checked by the loader).
 */
export class ElConfig {
  @IsArray({ message: 'must be an array of tables ([[el.primary]])' })
  @ValidateNested({ each: true })
  @Type(() => ElNodeConfig)
  primary: ElNodeConfig[] = [];

  @IsArray({ message: 'must be an array of tables ([[el.backup]])' })
  @ValidateNested({ each: true })
  @Type(() => ElNodeConfig)
  backup: ElNodeConfig[] = [];
}

export class VixyConfig {
  @ValidateNested() @Type(() => GlobalConfig) global = new GlobalConfig();
  @ValidateNested() @Type(() => ServerConfig) server = new ServerConfig();
  @ValidateNested() @Type(() => MetricsConfig) metrics = new MetricsConfig();
  @ValidateNested() @Type(() => ProxyConfig) proxy = new ProxyConfig();
  @ValidateNested() @Type(() => WebSocketConfig) websocket = new WebSocketConfig();
  @ValidateNested() @Type(() => AdminConfig) admin = new AdminConfig();
  @ValidateNested() @Type(() => RedisConfig) redis = new RedisConfig();
  @ValidateNested() @Type(() => CacheConfig) cache = new CacheConfig();
  @ValidateNested() @Type(() => ElConfig) el = new ElConfig();

  /** Beacon nodes; none when Vixy serves only the execution layer. */
  @IsArray({ message: 'must be an array of tables ([[cl]])' })
  @ValidateNested({ each: true })
  @Type(() => ClNodeConfig)
  cl: ClNodeConfig[] = [];
}

/** The validated configuration as the rest of the service sees it: deeply read-only. */
export type Config = DeepReadonly<VixyConfig>;
export type ElNode = DeepReadonly<ElNodeConfig>;
export type ClNode = DeepReadonly<ClNodeConfig>;

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
