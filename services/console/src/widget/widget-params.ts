/** What the widget page needs from its address: `widget.html?app_id=…&api_key=…` (the app's public API key). */
export type WidgetParams =
  | { readonly ok: true; readonly appId: string; readonly apiKey: string }
  | { readonly ok: false; readonly problem: string };

export function readWidgetParams(search: string): WidgetParams {
  const query = new URLSearchParams(search);
  const appId = query.get('app_id')?.trim();
  const apiKey = query.get('api_key')?.trim();
  if (!appId || !apiKey) {
    return { ok: false, problem: 'This chat needs its app in the address: widget.html?app_id=…&api_key=… (npm start prints the link).' };
  }
  return { ok: true, appId, apiKey };
}
