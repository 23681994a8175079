/**
 * What the console reads from `config.json` beside its pages (`src/shared/runtime-config.ts`): where the REST API
 * and the gateway are. A URL left out means the page's own origin (right behind an ingress that routes `/v1`).
 */
export interface ConsoleConfigJson {
  readonly apiUrl?: string;
  readonly gatewayUrl?: string;
}

/** The `config.json` text for these URLs (a missing one is left out, so the console uses its page's origin). */
export function consoleConfigText(config: ConsoleConfigJson): string {
  const body: Record<string, string> = {};
  if (config.apiUrl) body.apiUrl = config.apiUrl;
  if (config.gatewayUrl) body.gatewayUrl = config.gatewayUrl;
  return `${JSON.stringify(body)}\n`;
}
