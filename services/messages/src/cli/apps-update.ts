/**
 * `npm run apps:update -- --app ID --identity required|optional`: sets an app's identity policy (CONTRACT.md,
 * "Policy per app"), on `DATABASE_URL` or through a running service's operator API; prints the `App`.
 */
import { appPath, IdField, IdentityPolicy, REST_PATHS, type UpdateAppRequest } from '@switchboard/protocol';
import { updateAppPolicy } from '../use-cases/apps.js';
import { mainOf, UsageError, type OperatorCli } from './operator-cli.js';

const USAGE = `usage: npm run -s apps:update -- --app ID --identity required|optional

Sets an app's identity policy and prints the app's JSON (id, name, identity, created_at) on stdout.

options:
  --app ID                       the app (required)
  --identity required|optional   required: clients must send a valid user token; optional (the default of every
                                 app): anonymous devices are served too
  -h, --help                     print this help

With DATABASE_URL set, the database is used directly (running services see the change within 15 s). Otherwise the
operator API of a running service is called: MESSAGES_URL (default http://127.0.0.1:3001) with OPERATOR_TOKEN
(default: the token \`npm start\` generated in DATA_DIR/operator-token, DATA_DIR default .data).
`;

interface Args {
  readonly app: string;
  readonly update: UpdateAppRequest;
}

const cli: OperatorCli<Args> = {
  name: 'apps:update',
  usage: USAGE,
  options: { app: { type: 'string' }, identity: { type: 'string' } },
  parse(values) {
    if (typeof values.app !== 'string' || !IdField.safeParse(values.app).success) throw new UsageError('--app ID is required');
    const identity = IdentityPolicy.safeParse(values.identity);
    if (!identity.success) throw new UsageError('--identity must be required or optional');
    return { app: values.app, update: { identity: identity.data } };
  },
  viaDatabase: (db, args) => updateAppPolicy(db, args.app, args.update),
  viaApi: (args) => ({
    method: 'PATCH',
    path: appPath(REST_PATHS.app, args.app),
    body: args.update,
    expect: 200,
    print: (body) => body,
  }),
};

mainOf(cli);
