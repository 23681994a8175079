import type { DeliveryEngine, DeliveryEngineDeps } from './delivery-engine.js';

/**
 * PLACEHOLDER until the delivery engine lands: binds nothing and sends nothing, so the service's HTTP side can be
 * built and tested. Replaced by the real `createDeliveryEngine` (same signature) when the branches are combined.
 */
export function createDeliveryEngine(deps: DeliveryEngineDeps): DeliveryEngine {
  const log = deps.logger.child({ component: 'delivery' });
  return {
    start: async () => log.warn('the delivery engine is not built in: no webhook is delivered'),
    stop: async () => undefined,
    wake: () => undefined,
  };
}
