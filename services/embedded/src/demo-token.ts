/**
 * `npm run -s demo:token -- --user alice [--name Alice] [--agent] [--ttl 3600]`: prints a token for the demo app of
 * `npm start`, signed with the identity key it created in `DATA_DIR/demo-app.json`, as an app's backend would mint
 * one for its signed-in user (docs/identity.md). The token alone goes to stdout.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, dataDir, loadConfig, type Env } from '@switchboard/config';
import { IDENTITY, USER_ID_PATTERN } from '@switchboard/protocol';
import { demoAppFile, readDemoAppFile, signDemoToken } from './demo-identity.js';

const USAGE = `usage: npm run -s demo:token -- --user ID [--name NAME] [--agent] [--ttl SECONDS]

Prints a token (JWT) for the demo app of \`npm start\`, signed with its identity key (kept in DATA_DIR/demo-app.json,
DATA_DIR default .data). A client sends it as \`user_token\` in its /client handshake (or X-User-Token on REST) to
act as that user on any device; with --agent, as \`agent_token\` on /admin (or Authorization: Bearer on REST).

options:
  --user ID        the user's (or agent's) id, the token's \`sub\`: 1-128 characters of A-Z a-z 0-9 . _ : - @ (required)
  --name NAME      the \`name\` claim, shown for agents' messages
  --agent          an agent token (claim role: "agent")
  --ttl SECONDS    lifetime, 1 to ${IDENTITY.maxLifetimeSeconds} (default 3600)
  -h, --help       print this help
`;

/** The variables `demo:token` reads. */
const DemoTokenEnv = z.object({
  /** Where `npm start` keeps its data. @default '.data' */
  DATA_DIR: dataDir,
});

const Args = z.object({
  user: z.string({ error: '--user is required' }).regex(USER_ID_PATTERN, '--user must be 1-128 characters of A-Z a-z 0-9 . _ : - @'),
  name: z.string().min(1).max(200).optional(),
  agent: z.boolean().default(false),
  ttl: z
    .string()
    .default('3600')
    .refine((v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= IDENTITY.maxLifetimeSeconds, `--ttl must be 1 to ${IDENTITY.maxLifetimeSeconds} seconds`)
    .transform(Number),
});

async function main(argv: string[], env: Env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        user: { type: 'string' },
        name: { type: 'string' },
        agent: { type: 'boolean' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`demo:token: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const args = Args.safeParse(values);
  if (!args.success) {
    process.stderr.write(`demo:token: ${args.error.issues.map((issue) => issue.message).join('; ')}\n\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(DemoTokenEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`demo:token: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const demo = await readDemoAppFile(config.DATA_DIR);
  if (!demo?.identity_key) {
    process.stderr.write(`demo:token: no demo identity key in ${demoAppFile(config.DATA_DIR)}: run \`npm start\` once first (with the same DATA_DIR)\n`);
    return 1;
  }
  const { user, name, agent, ttl } = args.data;
  process.stdout.write(`${await signDemoToken(demo.id, demo.identity_key, { user, name, agent, ttlSeconds: ttl })}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2), process.env);
