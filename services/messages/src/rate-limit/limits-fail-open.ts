import type { Logger } from '@switchboard/logger';
import { createFailOpen, type FailOpen, type WindowCounter } from '@switchboard/runtime';
import type { MessagesMetrics } from '../metrics.js';

/** A limit check Redis has not answered within this lets the request through. */
const LIMIT_CHECK_TIMEOUT_MS = 500;

/**
 * The service's one fail-open policy for its limits: a check that fails or hangs allows the request, counted in
 * `switchboard_messages_limits_fail_open_total{limit}`; an outage is one warning when it starts and one line when
 * the limits apply again.
 */
export function createLimitsFailOpen(metrics: Pick<MessagesMetrics, 'limitsFailOpen'>, logger: Logger): FailOpen {
  const log = logger.child({ component: 'limits' });
  return createFailOpen({
    timeoutMs: LIMIT_CHECK_TIMEOUT_MS,
    onFailOpen: (limit, error) => {
      metrics.limitsFailOpen.inc({ limit });
      log.debug({ err: error, limit }, 'limit not checked');
    },
    onOutage: (error) => log.warn({ err: error }, 'Redis unavailable: rate and authentication-failure limits are not applied (failing open)'),
    onRecovered: (failures) => log.info({ failures }, 'rate and authentication-failure limits are applied again'),
  });
}

/** The 401 counter, counting nothing and allowing everything while its store fails. */
export function failureCounterFailingOpen(counter: WindowCounter, failOpen: FailOpen): WindowCounter {
  const none = { count: 0, resetMs: 0 };
  return {
    hit: (key) => failOpen.run('auth_failures', () => counter.hit(key), none),
    peek: (key) => failOpen.run('auth_failures', () => counter.peek(key), none),
  };
}
