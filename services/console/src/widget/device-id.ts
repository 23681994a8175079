/** Where the widget keeps this browser's device id, per app. */
const KEY_PREFIX = 'switchboard:widget:device:';

/**
 * This browser's device id for the app: made once (`web-<uuid>`, within the contract's 1–128 characters of
 * `A–Z a–z 0–9 . _ : @ -`) and kept in `localStorage`, so a reload or a new tab is the same device, with its
 * conversation, presence and the SDK's store.
 */
export function deviceIdFor(appId: string, storage: Storage = window.localStorage): string {
  const key = KEY_PREFIX + appId;
  const known = storage.getItem(key);
  if (known && /^[A-Za-z0-9._:@-]{1,128}$/.test(known)) return known;
  const made = `web-${crypto.randomUUID()}`;
  storage.setItem(key, made);
  return made;
}
