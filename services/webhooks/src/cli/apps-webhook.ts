/**
 * `npm run apps:webhook -- --app ID --url URL --events a,b | --list | --delete ID`: an app's webhook endpoints
 * (CONTRACT.md, "Webhooks"), on `DATABASE_URL` or through a running webhooks service's operator API.
 */
import { ConfigError, loadConfig } from '@switchboard/config';
import { appPath, CreateWebhookRequest, IdField, parseWith, WEBHOOK_EVENT_TYPES, WEBHOOK_PATHS } from '@switchboard/protocol';
import { mainOf, UsageError, type OperatorCli, type OperatorService } from '@switchboard/service-kit';
import { WebhooksEnv } from '../config.js';
import { migrateWebhooks } from '../db/migrate.js';
import type { WebhooksDatabase } from '../db/schema.js';
import { createEndpoint, listAppEndpoints, removeEndpoint } from '../use-cases/endpoints.js';

const USAGE = `usage: npm run -s apps:webhook -- --app ID --url URL --events TYPE[,TYPE] | --list | --delete ID

Adds, lists or deletes an app's webhook endpoints, printing the operator API's JSON on stdout.

options:
  --app ID          the app (required)
  --url URL         add an endpoint: where deliveries are POSTed (https:// unless WEBHOOKS_ALLOW_INSECURE=true)
  --events TYPES    with --url: comma-separated, of ${WEBHOOK_EVENT_TYPES.join(', ')}
  --list            list the app's endpoints (never their secrets)
  --delete ID       delete an endpoint and its delivery log; prints { "id", "deleted": true }
  -h, --help        print this help

Adding prints the endpoint with its signing secret (whsec_…): it is shown only this once. An app holds at most 20
endpoints. With DATABASE_URL set, the database is used directly (the webhooks schema is migrated first). Otherwise
the operator API of a running service is called: WEBHOOKS_URL (default http://127.0.0.1:3002) with OPERATOR_TOKEN
(default: the token \`npm start\` generated in DATA_DIR/operator-token, DATA_DIR default .data).
`;

/** On `DATABASE_URL` (its `webhooks` schema migrated first), else the operator API at `WEBHOOKS_URL`. */
const WEBHOOKS_OPERATOR: OperatorService = Object.freeze({
  urlVariable: 'WEBHOOKS_URL',
  defaultUrl: 'http://127.0.0.1:3002',
  migrate: migrateWebhooks,
});

type Args =
  | { readonly action: 'create'; readonly app: string; readonly request: CreateWebhookRequest }
  | { readonly action: 'list'; readonly app: string }
  | { readonly action: 'delete'; readonly app: string; readonly id: string };

const webhooksPath = (app: string) => appPath(WEBHOOK_PATHS.webhooks, app);

/** The CLI; `allowInsecure` (`WEBHOOKS_ALLOW_INSECURE`) applies on `DATABASE_URL`, the service applies its own. */
function webhookCli(allowInsecure: boolean): OperatorCli<Args, WebhooksDatabase> {
  return {
    name: 'apps:webhook',
    usage: USAGE,
    options: { app: { type: 'string' }, url: { type: 'string' }, events: { type: 'string' }, list: { type: 'boolean' }, delete: { type: 'string' } },
    parse(values) {
      const app = values.app;
      if (typeof app !== 'string' || !IdField.safeParse(app).success) throw new UsageError('--app ID is required');
      const creating = values.url !== undefined || values.events !== undefined;
      if ([creating, values.list === true, values.delete !== undefined].filter(Boolean).length !== 1) {
        throw new UsageError('give one of --url (with --events), --list and --delete');
      }
      if (values.list) return { action: 'list', app };
      if (typeof values.delete === 'string') {
        if (!IdField.safeParse(values.delete).success) throw new UsageError('--delete needs an endpoint id');
        return { action: 'delete', app, id: values.delete };
      }
      if (typeof values.url !== 'string' || typeof values.events !== 'string') throw new UsageError('--url URL and --events TYPES go together');
      const events = values.events.split(',').map((type) => type.trim()).filter((type) => type !== '');
      const parsed = parseWith(CreateWebhookRequest, { url: values.url, events });
      if (!parsed.ok) throw new UsageError(parsed.fields.map((f) => `--${String(f.path).split('.')[0]} ${f.message}`).join('; '));
      return { action: 'create', app, request: parsed.value };
    },
    async viaDatabase(db, args) {
      switch (args.action) {
        case 'create':
          return createEndpoint(db, args.app, args.request, { allowInsecure });
        case 'list':
          return { data: await listAppEndpoints(db, args.app) };
        case 'delete':
          await removeEndpoint(db, args.app, args.id);
          return { id: args.id, deleted: true };
      }
    },
    viaApi(args) {
      switch (args.action) {
        case 'create':
          return { method: 'POST', path: webhooksPath(args.app), body: args.request, expect: 201, print: (body) => body };
        case 'list':
          return { method: 'GET', path: webhooksPath(args.app), expect: 200, print: (body) => body };
        case 'delete':
          return {
            method: 'DELETE',
            path: appPath(WEBHOOK_PATHS.webhook, args.app).replace(':id', encodeURIComponent(args.id)),
            expect: 204,
            print: () => ({ id: args.id, deleted: true }),
          };
      }
    },
  };
}

try {
  const { WEBHOOKS_ALLOW_INSECURE } = loadConfig(WebhooksEnv.pick({ WEBHOOKS_ALLOW_INSECURE: true }), process.env);
  mainOf(WEBHOOKS_OPERATOR, webhookCli(WEBHOOKS_ALLOW_INSECURE));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`apps:webhook: ${error.message}\n`);
  process.exit(1);
}
