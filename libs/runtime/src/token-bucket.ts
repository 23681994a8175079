/**
 * A token bucket's state: two numbers, no timer and no closure, so one per connection or caller stays cheap. It
 * refills at `ratePerSecond` up to `burst`; a new bucket starts full.
 */
export interface TokenBucket {
  tokens: number;
  at: number;
}

export interface TokenRate {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** A full bucket, as of `now`. */
export const fullBucket = (rate: TokenRate, now = Date.now()): TokenBucket => ({ tokens: rate.burst, at: now });

/**
 * Refills `bucket` up to `now` and takes one token from it. Returns 0 when a token was taken, else the milliseconds
 * until one will be there (the bucket is left as refilled).
 */
export function takeToken(bucket: TokenBucket, rate: TokenRate, now = Date.now()): number {
  bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) * rate.ratePerSecond) / 1000);
  bucket.at = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  return Math.ceil(((1 - bucket.tokens) * 1000) / rate.ratePerSecond);
}
