/**
 * A terminal chat on the SDK's public API, for trying `npm start` in two terminals:
 *
 *   npm run demo:chat -- --as device            a customer (device id "terminal" unless --device-id)
 *   npm run demo:chat -- --as agent             an agent: views the latest conversation, follows the one that wrote
 *   npm run demo:chat -- --user-token JWT       a customer signed in as the user the token names
 *
 * `--help` lists the options and the environment (credentials, URLs).
 */
import { startAgentChat } from './agent.js';
import { parseCli, USAGE } from './cli.js';
import { loadCredentials } from './credentials.js';
import { startDeviceChat } from './device.js';
import { createTerminal } from './terminal.js';

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2), process.env);
  if (cli.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (cli.kind === 'error') {
    process.stderr.write(`demo:chat: ${cli.message}\nTry --help.\n`);
    process.exitCode = 2;
    return;
  }
  const env = process.env;
  const app = await loadCredentials(env);
  const url = env.GATEWAY_URL ?? 'http://localhost:3000';
  const apiUrl = env.API_URL ?? 'http://localhost:3001';
  const terminal = createTerminal(process.stdin, process.stdout);
  const exit = (code: number) => process.exit(code);
  const { options } = cli;
  if (options.as === 'agent') {
    startAgentChat({ url, apiUrl, appId: app.id, adminToken: app.admin_token, history: options.history, terminal, exit });
  } else {
    const { deviceId, history, userToken } = options;
    startDeviceChat({ url, apiUrl, appId: app.id, apiKey: app.api_key, deviceId, userToken, history, terminal, exit });
  }
  terminal.prompt();
}

main().catch((error: unknown) => {
  process.stderr.write(`demo:chat: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
