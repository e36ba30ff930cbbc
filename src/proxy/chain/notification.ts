// The bytes of an `eth_subscription` notification, split so that everything but the
// subscription id is built once per block or log and shared by every subscriber:
//   NOTIFICATION_PREFIX + <subscription id> + suffix
// where suffix is `","result":<result JSON>}}`.

export const NOTIFICATION_PREFIX = Buffer.from(
  '{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"',
);

/** The shared tail of a notification whose result is `resultJson`. */
export function notificationSuffix(resultJson: string): Buffer {
  return Buffer.from(`","result":${resultJson}}}`);
}

/** A whole notification frame; `subscriptionId` holds the id's bytes (no quotes, no escapes). */
export function notificationFrame(subscriptionId: Buffer, suffix: Buffer): Buffer {
  return Buffer.concat([NOTIFICATION_PREFIX, subscriptionId, suffix]);
}
