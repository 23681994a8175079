import { AgentClient, ChatClient } from '@switchboard/client';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { startStack, waitFor, type IdentityKey, type ServiceProcess } from '@switchboard/testing';

/**
 * The stack the SDK tests run against: the shared stack of libs/testing with one gateway. The messages service can
 * be killed and started again on the same port (the gateway keeps its `MESSAGES_URL`).
 */
export interface SdkStack extends AsyncDisposable {
  /** The first gateway node's URL (the one `sdkClients` connects to unless told). */
  readonly gatewayUrl: string;
  /** Every gateway node's URL, in order (`nodes` of them). */
  readonly gatewayUrls: readonly string[];
  readonly apiUrl: string;
  readonly gateway: ServiceProcess;
  /** One more gateway node with its own environment (another `MESSAGES_URL`, limits). */
  startNode(env: Record<string, string>): Promise<ServiceProcess>;
  messages(): ServiceProcess;
  /** SIGKILLs the messages service and waits for it to be gone. */
  killMessages(): Promise<void>;
  /** Starts it again on its port; resolves once its `/readyz` answers 200, with that moment (`Date.now()`). */
  restartMessages(): Promise<number>;
  createApp(name?: string): Promise<CreatedApp>;
  openConversation(app: CreatedApp, deviceId: string): Promise<{ id: string }>;
  /** Sends as the app's agent over REST. */
  agentSend(app: CreatedApp, conversationId: string, body: string): Promise<Message>;
  /** Adds an HS256 identity key to the app (operator API), to sign its users' and agents' tokens with. */
  createIdentityKey(app: CreatedApp): Promise<IdentityKey>;
}

export async function startSdkStack(options: { gatewayEnv?: Record<string, string>; nodes?: number } = {}): Promise<SdkStack> {
  const stack = await startStack({ databasePrefix: 'sb_sdk', redisPrefix: 'sbsdk', nodeIdPrefix: 'sdk-node', ...options });
  const gateway = stack.nodes[0]!;
  return {
    gatewayUrl: gateway.url,
    gatewayUrls: stack.nodes.map((node) => node.url),
    apiUrl: stack.messages.url,
    gateway,
    startNode: (env) => stack.startNode(env),
    messages: () => stack.messages,
    async killMessages() {
      stack.messages.signal('SIGKILL');
      await stack.messages.exited;
    },
    async restartMessages() {
      await stack.restartMessages();
      return Date.now();
    },
    createApp: (name = 'sdk') => stack.createApp(name),
    openConversation: (app, deviceId) => stack.openConversation(app, deviceId),
    agentSend: (app, conversationId, body) => stack.agentSend(app, conversationId, body),
    createIdentityKey: (app) => stack.addIdentityKey(app),
    [Symbol.asyncDispose]: () => stack[Symbol.asyncDispose](),
  };
}

/** Collects what a listener receives, and waits for it. */
export function collect<T>() {
  const items: T[] = [];
  return {
    items,
    push: (item: T) => void items.push(item),
    until: (predicate: (items: T[]) => boolean, message: string, timeoutMs = 10_000) =>
      waitFor(() => predicate(items), { timeoutMs, message: `${message} (have ${JSON.stringify(items).slice(0, 400)})` }).then(() => items),
  };
}

/** Rejects when `promise` does not settle within `ms`: an SDK promise that never settles fails the test, not the run. */
export function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms))]);
}

type ChatOptions = ConstructorParameters<typeof ChatClient>[0];
/** An agent's options but its credentials (`adminToken` or `getAgentToken`). */
type AgentOptions = Omit<ConstructorParameters<typeof AgentClient>[0], 'adminToken' | 'getAgentToken'>;

/**
 * SDK clients of one app on the stack, with the tests' short backoff. `stack` and `app` are read when a client is
 * made (they are set in `beforeAll`); `closeAll()` closes every client made.
 */
export function sdkClients(stack: () => SdkStack, app: () => CreatedApp) {
  const clients: { close(): unknown }[] = [];
  const base = () => ({ url: stack().gatewayUrl, apiUrl: stack().apiUrl, appId: app().id, backoff: { baseMs: 50, maxMs: 500 } });
  const track = <C extends { close(): unknown }>(client: C) => (clients.push(client), client);
  return {
    chat: (deviceId: string, extra: Partial<ChatOptions> = {}) => track(new ChatClient({ ...base(), deviceId, apiKey: app().api_key, ...extra })),
    agent: (extra: Partial<AgentOptions> = {}) => track(new AgentClient({ ...base(), adminToken: app().admin_token, ...extra })),
    /** An agent signed in with agent tokens from `getAgentToken` instead of the admin token. */
    agentWithToken: (getAgentToken: () => Promise<string> | string, extra: Partial<AgentOptions> = {}) =>
      track(new AgentClient({ ...base(), getAgentToken, ...extra })),
    /** A client made by hand (other options), closed with the others. */
    track,
    closeAll: () => {
      for (const client of clients.splice(0)) void client.close();
    },
  };
}
