// The chain core: one canonical head log, and what subscriptions and filters read from
// it. No I/O here: the WebSocket / HTTP side feeds headers in (HeadLog.observe), serves
// the ChainSource, and sends what subscriptions and filters give out. docs/subscriptions.md
// says what it guarantees.
export {
  type BlockHeader,
  headerFromBlock,
  headerFromNotification,
  headerProblem,
} from './block-header';
export { type ChainEntry } from './chain-entry';
export { ChainRpcCode, ChainRpcError } from './chain-errors';
export { type ChainLog } from './chain-log';
export {
  CHAIN_DEFAULTS,
  describeGap,
  gapCloseReason,
  SUBSCRIPTION_GAP_CLOSE_CODE,
} from './chain.constants';
export type {
  ChainGap,
  ChainProblem,
  ChainReorg,
  ChainSource,
  HeadLogListener,
  HeadLogOptions,
  HeadLogStats,
  ObservationSource,
} from './chain.types';
export { FilterStore, type FilterStoreOptions } from './filter-store';
export { HeadLog } from './head-log';
export { type BlockTag, type LogCriteria, parseLogCriteria } from './log-criteria';
export { NOTIFICATION_PREFIX, notificationFrame } from './notification';
export { type FeedPull, type FeedSubscription, SubscriptionFeed } from './subscription-feed';
