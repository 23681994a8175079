/**
 * `npm run apps:rotate -- --app ID --which api_key|admin_token [--grace SECONDS]`: rotates an app's api key or admin
 * token and prints the JSON of `POST /v1/apps/:app_id/credentials/rotate`, on `DATABASE_URL` when set, else through
 * the operator API of a running service.
 */
import { parseArgs } from 'node:util';
import { AppIdParams, parseWith, REST_PATHS, RotateCredentialsRequest } from '@switchboard/protocol';
import { AppError } from '../domain/errors.js';
import { notifyOutbox } from '../repositories/outbox.js';
import { rotateCredentials } from '../use-cases/rotate-credentials.js';
import { callOperatorApi, CliFailure, loadOperatorCliConfig, OPERATOR_CLI_ENV_USAGE, runCli, withDatabase } from './operator-cli.js';

const COMMAND = 'apps:rotate';
const USAGE = `usage: npm run -s apps:rotate -- --app ID --which api_key|admin_token [--grace SECONDS]

Rotates an app's api key or admin token and prints the JSON answer on stdout: the new credential (shown only
here) and previous_valid_until, when the one it replaces stops working. Only one previous credential is kept: one
still valid from an earlier rotation stops at once. Live sockets that used a credential are disconnected when it
stops working.

options:
  --app ID          the app's id (required)
  --which WHICH     api_key or admin_token (required)
  --grace SECONDS   how long the current one keeps working, 0-604800; 0 revokes it now (default 86400)
  -h, --help        print this help

${OPERATOR_CLI_ENV_USAGE}`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { app: { type: 'string' }, which: { type: 'string' }, grace: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${COMMAND}: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const app = parseWith(AppIdParams, { app_id: values.app });
  const grace = values.grace === undefined ? undefined : values.grace.trim() !== '' && Number.isFinite(Number(values.grace)) ? Number(values.grace) : values.grace;
  const request = parseWith(RotateCredentialsRequest, { which: values.which, ...(grace === undefined ? {} : { grace_seconds: grace }) });
  if (!app.ok || !request.ok) {
    const problems = [...(app.ok ? [] : ['--app ID is required']), ...(request.ok ? [] : request.fields.map((f) => `--${f.path === 'grace_seconds' ? 'grace' : f.path} ${f.message}`))];
    process.stderr.write(`${COMMAND}: ${problems.join('; ')}\n\n${USAGE}`);
    return 2;
  }
  const appId = app.value.app_id;
  const config = loadOperatorCliConfig(process.env);

  const DATABASE_URL = config.DATABASE_URL;
  const rotated = DATABASE_URL
    ? await withDatabase({ ...config, DATABASE_URL }, COMMAND, async (db) => {
        const answer = await rotateCredentials(db, appId, request.value).catch((error: unknown) => {
          throw error instanceof AppError && error.code === 'NOT_FOUND' ? new CliFailure(`no app ${appId}`, 1) : error;
        });
        // Wakes the running services' outbox relay (which polls anyway), so the revocation leaves at once.
        await notifyOutbox(db).catch(() => undefined);
        return answer;
      })
    : await callOperatorApi(config, 'POST', REST_PATHS.rotateCredentials.replace(':app_id', encodeURIComponent(appId)), request.value, 201);
  process.stdout.write(`${JSON.stringify(rotated, null, 2)}\n`);
  return 0;
}

runCli(COMMAND, () => main(process.argv.slice(2)));
