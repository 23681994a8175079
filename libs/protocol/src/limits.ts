/** Limits of CONTRACT.md, shared by the REST validation, the gateway and the SDK. */
export const LIMITS = Object.freeze({
  /** Message body length in characters (Unicode code points), after which a send is refused. */
  bodyMaxChars: 10_000,
  localIdMaxChars: 128,
  /** Largest accepted REST request body, in bytes (413 above). */
  requestBodyMaxBytes: 64 * 1024,
  pageLimitDefault: 50,
  pageLimitMax: 200,
  appNameMaxChars: 100,
  deviceIdMaxChars: 128,
  idMaxChars: 64,
});

export const LOCAL_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** Ids are opaque to clients; this only bounds what the server accepts as one. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
