/** `npm start -- --help`: what the single-process mode is and what it reads (docs/embedded.md). */
export const USAGE = `usage: npm start [-- --help]

Runs the whole platform in one process for a first try: the gateway on GATEWAY_PORT (3000), the messages
service on MESSAGES_PORT (3001) and the webhooks service on WEBHOOKS_PORT (3002). Each dependency comes from its
URL when set, or an embedded stand-in when not.

environment (all optional):
  DATABASE_URL      Postgres; unset: PGlite under DATA_DIR
  REDIS_URL         Redis; unset: in-memory adapter, presence and sessions
  NATS_URL          NATS with JetStream; unset: in-memory bus
  NATS_CREDS, NATS_PREFIX, REDIS_KEY_PREFIX   as for the services (docs/environments.md)
  DATA_DIR          data folder, one process at a time (default .data)
  OPERATOR_TOKEN    operator API token (default: generated once, kept in DATA_DIR/operator-token)
  WEBHOOKS_ALLOW_INSECURE  http:// and local webhook targets allowed (default true here; docs/webhooks.md)
  LOG_FORMAT        json|pretty (default pretty on a terminal, json otherwise)
  LOG_LEVEL         fatal|error|warn|info|debug|trace|silent (default info)

options:
  -h, --help        print this help
`;

/** Whether the command line asks for the usage (anything else on it is an error the caller reports). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
