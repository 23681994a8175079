import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { randomBytes } from 'node:crypto';
import { freePort } from './free-port.js';
import { serviceScript } from './service-script.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';
import { startStack, TEST_LIMITS, type RestResponse, type Stack, type StackOptions } from './stack.js';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer.js';
import { waitFor } from './wait-for.js';

/**
 * Where the browser tests find the console and the platform behind it: `npm start`'s one process
 * (`startEmbeddedConsole`) or the two-node cluster (`startClusterConsole`). Both serve the built console
 * (`npm run build` first) and hand out an app to sign in with.
 */
export interface ConsoleTarget extends AsyncDisposable {
  /** The agent console's page, ending in `/console/`. */
  readonly consoleUrl: string;
  /** The messages service's base URL (REST). */
  readonly apiUrl: string;
  /** The gateway's base URL, as the browser reaches it (the balancer in front of the cluster). */
  readonly gatewayUrl: string;
  /** The app the test signs in to: the demo app of `npm start`, a new app on the cluster. */
  readonly app: CreatedApp;
  readonly operatorToken: string;
  /** The console with `app`'s admin token in the fragment, like `npm start`'s one-click link. */
  signInUrl(app?: CreatedApp): string;
  /** The customer widget for `app`, with extra query parameters (e.g. `device_id`) if given. */
  widgetUrl(app?: CreatedApp, params?: Record<string, string>): string;
  createApp(name?: string): Promise<CreatedApp>;
  /** A JSON request to the messages service. */
  rest(method: string, path: string, headers?: Record<string, string>, body?: unknown): Promise<RestResponse>;
  /** Sends as the app's agent over REST (admin token). */
  agentSend(app: CreatedApp, conversationId: string, body: string): Promise<Message>;
}

function targetHelpers(consoleUrl: string, apiUrl: string, operatorToken: string, defaultApp: () => CreatedApp) {
  const rest = async (method: string, route: string, headers: Record<string, string> = {}, body?: unknown): Promise<RestResponse> => {
    const response = await fetch(new URL(route, apiUrl), {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const ok = async (what: string, pending: Promise<RestResponse>) => {
    const { status, body } = await pending;
    if (status < 200 || status > 299) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    rest,
    signInUrl: (app = defaultApp()) => `${consoleUrl}#token=${encodeURIComponent(app.admin_token)}`,
    widgetUrl: (app = defaultApp(), params: Record<string, string> = {}) =>
      `${consoleUrl}widget.html?${new URLSearchParams({ app_id: app.id, api_key: app.api_key, ...params })}`,
    createApp: (name = 'console') => ok('createApp', rest('POST', '/v1/apps', { Authorization: `Bearer ${operatorToken}` }, { name })),
    agentSend: (app: CreatedApp, conversationId: string, body: string) =>
      ok(
        'agentSend',
        rest('POST', `/v1/conversations/${conversationId}/messages`, { Authorization: `Bearer ${app.admin_token}` }, { body, local_id: randomBytes(8).toString('hex') }),
      ),
  };
}

export interface EmbeddedConsole extends ConsoleTarget {
  /** The `npm start` process (its printed lines: `process.logs()`). */
  readonly process: ServiceProcess;
  readonly dataDir: string;
  /** The one-click sign-in link the process printed. */
  readonly printedSignInLink: string;
}

export interface EmbeddedConsoleOptions {
  /** Extra environment for the process. */
  readonly env?: Record<string, string>;
}

/**
 * `npm start`'s process as a newcomer runs it (no URLs: every stand-in embedded), on ports the OS picked and a
 * fresh data folder (removed at the end): the console is served by its gateway port at `/console/`.
 */
export async function startEmbeddedConsole(options: EmbeddedConsoleOptions = {}): Promise<EmbeddedConsole> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sb-console-'));
  const operatorToken = `console-test-operator-${randomBytes(4).toString('hex')}`;
  let platform: ServiceProcess | undefined;
  try {
    platform = await startServiceProcess({
      script: serviceScript('@switchboard/embedded'),
      portVariable: 'GATEWAY_PORT',
      env: {
        DATA_DIR: dataDir,
        MESSAGES_PORT: '0',
        WEBHOOKS_PORT: '0',
        OPERATOR_TOKEN: operatorToken,
        LOG_LEVEL: 'warn',
        DRAIN_WINDOW_MS: '2000',
        ...TEST_LIMITS.messages,
        ...TEST_LIMITS.gateway,
        ...options.env,
      },
      startTimeoutMs: 60_000,
    });
    const running = platform;
    await waitFor(() => running.logs().includes('Switchboard is running.'), { message: 'npm start printed its welcome' });
    const messagesPort = platform.reportedPorts.MESSAGES_PORT;
    if (messagesPort === undefined) throw new Error('npm start did not report MESSAGES_PORT');
    const link = /(http:\/\/\S+\/console\/#token=\S+)/.exec(platform.logs())?.[1];
    if (!link) throw new Error(`npm start printed no console sign-in link:\n${platform.logs().slice(-3000)}`);
    const app: CreatedApp = JSON.parse(await readFile(path.join(dataDir, 'demo-app.json'), 'utf8'));
    const consoleUrl = `http://localhost:${platform.port}/console/`;
    const apiUrl = `http://localhost:${messagesPort}`;
    const close = async () => {
      await running[Symbol.asyncDispose]();
      await rm(dataDir, { recursive: true, force: true });
    };
    return {
      ...targetHelpers(consoleUrl, apiUrl, operatorToken, () => app),
      consoleUrl,
      apiUrl,
      gatewayUrl: `http://localhost:${platform.port}`,
      app,
      operatorToken,
      process: platform,
      dataDir,
      printedSignInLink: link,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await platform?.[Symbol.asyncDispose]();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface ClusterConsole extends ConsoleTarget {
  readonly stack: Stack;
  /** The ingress stand-in in front of the gateway nodes: the browser's gateway URL. */
  readonly balancer: TcpBalancer;
  /** `npm run start:console`'s process, serving the build with `config.json` from its environment. */
  readonly server: ServiceProcess;
}

export interface ClusterConsoleOptions extends StackOptions {
  /** @default 2 */
  readonly nodes?: number;
}

/**
 * The e2e tests' cluster: `startStack` with two gateway nodes (by default) behind a TCP balancer, and the console
 * served by its production static server (`npm run start:console`) on an origin of its own, named in
 * `ALLOWED_ORIGINS` of both services (a console on another origin, as docs/console.md describes).
 */
export async function startClusterConsole(options: ClusterConsoleOptions = {}): Promise<ClusterConsole> {
  const consolePort = await freePort();
  const origin = `http://127.0.0.1:${consolePort}`;
  const stack = await startStack({
    databasePrefix: 'sb_console',
    redisPrefix: 'sbconsole',
    nodeIdPrefix: 'console-node',
    ...options,
    nodes: options.nodes ?? 2,
    messagesEnv: { ALLOWED_ORIGINS: origin, ...options.messagesEnv },
    gatewayEnv: { ALLOWED_ORIGINS: origin, ...options.gatewayEnv },
  });
  let balancer: TcpBalancer | undefined;
  try {
    balancer = await startTcpBalancer(stack.nodes.map((node) => node.port));
    const server = await startServiceProcess({
      script: serviceScript('@switchboard/console/server'),
      portVariable: 'CONSOLE_PORT',
      port: consolePort,
      env: { CONSOLE_HOST: '127.0.0.1', CONSOLE_API_URL: stack.messages.url, CONSOLE_GATEWAY_URL: balancer.url, LOG_LEVEL: 'warn' },
    });
    const app = await stack.createApp('console');
    const consoleUrl = `${origin}/console/`;
    const front = balancer;
    const close = async () => {
      await server[Symbol.asyncDispose]();
      await front.close();
      await stack[Symbol.asyncDispose]();
    };
    return {
      ...targetHelpers(consoleUrl, stack.messages.url, stack.operatorToken, () => app),
      consoleUrl,
      apiUrl: stack.messages.url,
      gatewayUrl: balancer.url,
      app,
      operatorToken: stack.operatorToken,
      stack,
      balancer,
      server,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await balancer?.close();
    await stack[Symbol.asyncDispose]();
    throw error;
  }
}
