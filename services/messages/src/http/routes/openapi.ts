import type Router from '@koa/router';
import type { RequestState } from '../context.js';

export function openApiRoute(router: Router<RequestState>, document: Record<string, unknown>): void {
  const body = JSON.stringify(document);
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = body;
  });
}
