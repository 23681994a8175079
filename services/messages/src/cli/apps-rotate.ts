/**
 * `npm run apps:rotate -- --app ID --which api_key|admin_token [--grace SECONDS]`: rotates an app's api key or admin
 * token (CONTRACT.md, "Credential rotation and revocation") on `DATABASE_URL` or through a running service's operator
 * API; prints the JSON of `POST /v1/apps/:app_id/credentials/rotate`.
 */
import { appPath, IdField, parseWith, REST_PATHS, RotateCredentialsRequest } from '@switchboard/protocol';
import { notifyOutbox } from '../repositories/outbox.js';
import { rotateCredentials } from '../use-cases/rotate-credentials.js';
import { mainOf, UsageError, type OperatorCli } from './operator-cli.js';

const USAGE = `usage: npm run -s apps:rotate -- --app ID --which api_key|admin_token [--grace SECONDS]

Rotates an app's api key or admin token and prints the JSON answer on stdout: the new credential (shown only
here) and previous_valid_until, when the one it replaces stops working. Only one previous credential is kept: one
still valid from an earlier rotation stops at once. Live sockets that used a credential are disconnected when it
stops working.

options:
  --app ID          the app (required)
  --which WHICH     api_key or admin_token (required)
  --grace SECONDS   how long the current one keeps working, 0-604800; 0 revokes it now (default 86400)
  -h, --help        print this help

With DATABASE_URL set, the database is used directly (running services take the new credential at once and refuse
a revoked one within 5 s; live sockets within 10 s). Otherwise the operator API of a running service is called:
MESSAGES_URL (default http://127.0.0.1:3001) with OPERATOR_TOKEN (default: the token \`npm start\` generated in
DATA_DIR/operator-token, DATA_DIR default .data).
`;

interface Args {
  readonly app: string;
  readonly request: RotateCredentialsRequest;
}

const cli: OperatorCli<Args> = {
  name: 'apps:rotate',
  usage: USAGE,
  options: { app: { type: 'string' }, which: { type: 'string' }, grace: { type: 'string' } },
  parse(values) {
    if (typeof values.app !== 'string' || !IdField.safeParse(values.app).success) throw new UsageError('--app ID is required');
    const grace = typeof values.grace === 'string' && values.grace.trim() !== '' && Number.isFinite(Number(values.grace)) ? Number(values.grace) : values.grace;
    const request = parseWith(RotateCredentialsRequest, { which: values.which, ...(grace === undefined ? {} : { grace_seconds: grace }) });
    if (!request.ok) {
      throw new UsageError(request.fields.map((f) => `--${f.path === 'grace_seconds' ? 'grace' : f.path} ${f.message}`).join('; '));
    }
    return { app: values.app, request: request.value };
  },
  async viaDatabase(db, args) {
    const rotated = await rotateCredentials(db, args.app, args.request);
    // Wakes the running services' outbox relay (it polls anyway), so the revocation leaves at once.
    await notifyOutbox(db).catch(() => undefined);
    return rotated;
  },
  viaApi: (args) => ({
    method: 'POST',
    path: appPath(REST_PATHS.rotateCredentials, args.app),
    body: args.request,
    expect: 201,
    print: (body) => body,
  }),
};

mainOf(cli);
