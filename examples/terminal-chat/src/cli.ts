import { parseArgs } from 'node:util';

export interface CliOptions {
  readonly as: 'device' | 'agent';
  readonly deviceId: string;
  /** Messages of history shown for a conversation when it is first viewed. */
  readonly history: number;
  /** A user token to sign the device in with (`--user-token`, else `USER_TOKEN` in the environment). */
  readonly userToken: string | undefined;
}

export type Cli = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: CliOptions } | { readonly kind: 'error'; readonly message: string };

export const USAGE = `Usage: npm run demo:chat -- [--as device|agent] [--device-id ID] [--history N] [--user-token JWT]

A terminal chat on the Switchboard SDK, for trying \`npm start\` in two terminals.

Options:
  --as device|agent   a customer's device (default), or an agent of the app
  --device-id ID      the device's id, 1-128 characters of A-Z a-z 0-9 . _ : @ - (default: terminal)
  --history N         messages of history shown when a conversation is opened (default: 20, 0 for none)
  --user-token JWT    sign the device in as a user of the app (a token from the app's backend, e.g.
                      \`npm run demo:token -- --user alice\`); the user's conversations then follow them to
                      every device signed in as them. Without it the device is anonymous.
  -h, --help          show this help

As a device: type a message and press enter; the first one opens a conversation (or the device's latest one is
resumed); /status shows its status and unread count, /close closes it (the next message reopens it).

As an agent: shows the latest conversation with its history and follows the one that last wrote. /list shows
recent conversations with their status and unread count (/list open unread, /list snoozed, /list unassigned,
/list AGENT_ID filter it); /view ID (or the end of an id) switches to one; /status, /close, /open,
/snooze MINUTES and /assign AGENT_ID (or none) act on the one viewed.

Both sides show typing, every change of a conversation's status, snooze or assignee as it happens, and tell when
the connection drops and when it is back.

Environment:
  GATEWAY_URL   the gateway (default http://localhost:3000)
  API_URL       the messages API (default http://localhost:3001)
  APP_ID, API_KEY (device) or ADMIN_TOKEN (agent)
                the app's credentials; by default those \`npm start\` wrote to DATA_DIR/demo-app.json
  DATA_DIR      where \`npm start\` keeps its state (default .data)
  USER_TOKEN    the same as --user-token (the option wins)
`;

const DEVICE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Parses the command line (and `USER_TOKEN`); never exits (main decides what to print and with which status). */
export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Cli {
  let values: { as?: string; 'device-id'?: string; history?: string; 'user-token'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        as: { type: 'string', default: 'device' },
        'device-id': { type: 'string', default: 'terminal' },
        history: { type: 'string', default: '20' },
        'user-token': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (values.as !== 'device' && values.as !== 'agent') return { kind: 'error', message: `--as must be device or agent, not "${values.as}"` };
  const deviceId = values['device-id'] ?? 'terminal';
  if (!DEVICE_ID.test(deviceId)) return { kind: 'error', message: `--device-id must be 1-128 characters of A-Z a-z 0-9 . _ : @ -` };
  const history = Number(values.history);
  if (!Number.isInteger(history) || history < 0 || history > 200) return { kind: 'error', message: '--history must be a whole number from 0 to 200' };
  if (values['user-token'] !== undefined && values.as !== 'device') return { kind: 'error', message: '--user-token signs a device in: use it with --as device' };
  const userToken = values.as === 'device' ? (values['user-token'] ?? (env.USER_TOKEN || undefined)) : undefined;
  if (userToken !== undefined && !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(userToken)) return { kind: 'error', message: '--user-token must be a JWT (three base64url parts)' };
  return { kind: 'run', options: { as: values.as, deviceId, history, userToken } };
}
