import { AppIdParams } from '@switchboard/protocol';
import { notFound } from '../app-error.js';

/** What `appIdParam` reads of a routed request: its path parameters and the request's logger fields. */
interface RoutedRequest {
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly state: { bindLog(fields: Readonly<Record<string, string>>): void };
}

/** The `:app_id` path parameter of an operator route; a malformed one names no app: 404. */
export function appIdParam(ctx: RoutedRequest): string {
  const parsed = AppIdParams.safeParse({ app_id: ctx.params.app_id });
  if (!parsed.success) throw notFound('app');
  ctx.state.bindLog({ app_id: parsed.data.app_id });
  return parsed.data.app_id;
}
