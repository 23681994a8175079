/**
 * A terminal chat on the SDK, for trying `npm start` in two terminals:
 *
 *   npm run demo:chat -- --as device            a customer (device id "terminal" unless --device-id)
 *   npm run demo:chat -- --as agent             an agent: sees every conversation, answers the last one that spoke
 *
 * Credentials come from `.data/demo-app.json` (written by `npm start`) or APP_ID / API_KEY / ADMIN_TOKEN.
 * GATEWAY_URL (default http://localhost:3000) and API_URL (default http://localhost:3001) say where the platform is.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { AgentClient, ChatClient } from '@switchboard/client';
import type { Message } from '@switchboard/protocol';

interface Credentials {
  id: string;
  api_key: string;
  admin_token: string;
}

async function credentials(env: NodeJS.ProcessEnv): Promise<Credentials> {
  if (env.APP_ID && (env.API_KEY || env.ADMIN_TOKEN)) {
    return { id: env.APP_ID, api_key: env.API_KEY ?? '', admin_token: env.ADMIN_TOKEN ?? '' };
  }
  const file = path.join(env.DATA_DIR ?? '.data', 'demo-app.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    throw new Error(`no credentials: start the platform with \`npm start\` first (it writes ${file}), or set APP_ID and API_KEY/ADMIN_TOKEN`);
  }
}

const time = (iso: string) => new Date(iso).toLocaleTimeString();
const line = (m: Message, me: 'user' | 'agent') => `[${time(m.created_at)}] ${m.sender === me ? 'you' : m.sender}: ${m.body}`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { as: { type: 'string', default: 'device' }, 'device-id': { type: 'string', default: 'terminal' } } });
  const env = process.env;
  const app = await credentials(env);
  const url = env.GATEWAY_URL ?? 'http://localhost:3000';
  const apiUrl = env.API_URL ?? 'http://localhost:3001';
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  const say = (text: string) => {
    // Print above the prompt without mangling what is being typed.
    readline.clearLine(process.stdout, 0);
    readline.cursorTo(process.stdout, 0);
    process.stdout.write(`${text}\n`);
    rl.prompt(true);
  };

  if (values.as === 'agent') {
    const agent = new AgentClient({ url, apiUrl, appId: app.id, adminToken: app.admin_token });
    let current: string | undefined;
    agent.on('message:new', (m) => {
      if (m.sender === 'user') current = m.conversation_id;
      say(`${m.conversation_id.slice(-6)} ${line(m, 'agent')}`);
    });
    agent.on('presence:change', (p) => say(`* ${p.device_id} is ${p.is_online ? 'online' : 'offline'}`));
    agent.on('user:typing', (t) => t.is_typing && say(`* ${t.device_id} is typing…`));
    agent.on('connect', () => say('* connected as an agent; answering the last conversation that wrote'));
    agent.on('unauthorized', (e) => {
      say(`* refused: ${e.code}`);
      process.exit(1);
    });
    agent.connect();
    rl.on('line', (text) => {
      if (!text.trim()) return rl.prompt();
      if (!current) return say('* nobody to answer yet');
      const to = current;
      void agent.join(to).catch(() => {});
      agent.send(to, text).catch((error: Error) => say(`* not sent: ${error.message}`));
      rl.prompt();
    });
    rl.on('close', () => {
      agent.close();
      process.exit(0);
    });
  } else {
    const deviceId = values['device-id']!;
    const chat = new ChatClient({ url, apiUrl, appId: app.id, deviceId, apiKey: app.api_key });
    let conversationId: string | undefined;
    chat.on('conversation:joined', (j) => {
      conversationId = j.conversation_id;
    });
    chat.on('message:new', (m) => say(line(m, 'user')));
    chat.on('agent:typing', (t) => t.is_typing && say('* the agent is typing…'));
    chat.on('connect', () => say(`* connected as device "${deviceId}"; type a message and press enter`));
    chat.on('unauthorized', (e) => {
      say(`* refused: ${e.code}`);
      process.exit(1);
    });
    chat.connect();
    process.stdin.on('keypress', () => conversationId && chat.typing(conversationId));
    rl.on('line', async (text) => {
      if (!text.trim()) return rl.prompt();
      try {
        if (!conversationId) {
          conversationId = (await chat.openConversation()).id;
          await chat.join(conversationId);
        }
        await chat.send(conversationId, text);
      } catch (error) {
        say(`* not sent: ${(error as Error).message}`);
      }
      rl.prompt();
    });
    rl.on('close', () => {
      chat.close();
      process.exit(0);
    });
  }
  rl.setPrompt('> ');
  rl.prompt();
}

main().catch((error: unknown) => {
  process.stderr.write(`demo:chat: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
