import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, ChatClient } from '@switchboard/client';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { expiresIn, mintToken, startStack, startTcpBalancer, waitFor, type Stack, type TcpBalancer } from '@switchboard/testing';

const demoChat = fileURLToPath(new URL('../../examples/terminal-chat/dist/main.js', import.meta.url));

interface Demo {
  readonly process: ChildProcessWithoutNullStreams;
  output(): string;
  /** Waits until the output holds `text` (after position `after`, if given); returns where. */
  shows(text: string, options?: { timeoutMs?: number; after?: number }): Promise<number>;
  type(text: string): void;
  /** Ends its input (as Ctrl-D does) and resolves with its exit code. */
  quit(): Promise<number | null>;
}

function startDemo(args: string[], env: Record<string, string>): Demo {
  const child = spawn(process.execPath, [demoChat, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    process: child,
    output: () => output,
    shows: (text, { timeoutMs = 15_000, after = -1 } = {}) =>
      waitFor(() => (output.indexOf(text, after + 1) >= 0 ? output.indexOf(text, after + 1) : undefined), {
        timeoutMs,
        message: `"${text}" in the demo's output:\n${output}`,
      }),
    type: (text) => void child.stdin.write(text),
    async quit() {
      child.stdin.end();
      return exited;
    },
  };
}

const short = (id: string) => id.slice(-6);

describe('e2e: the terminal chat example', () => {
  let stack: Stack;
  let ingress: TcpBalancer;
  let app: CreatedApp;
  const clients: (ChatClient | AgentClient)[] = [];
  const demos: Demo[] = [];

  beforeAll(async () => {
    stack = await startStack();
    ingress = await startTcpBalancer([stack.nodes[0]!.port]);
    app = await stack.createApp('terminal-chat');
  });
  afterAll(async () => {
    for (const demo of demos) demo.process.kill();
    for (const client of clients) client.close();
    await ingress?.close();
    await stack?.[Symbol.asyncDispose]();
  });

  const demo = (args: string[], env: Record<string, string> = {}) => {
    const started = startDemo(args, {
      GATEWAY_URL: ingress.url,
      API_URL: stack.messages.url,
      APP_ID: app.id,
      API_KEY: app.api_key,
      ADMIN_TOKEN: app.admin_token,
      ...env,
    });
    demos.push(started);
    return started;
  };
  const device = (deviceId: string) => {
    const client = new ChatClient({ url: stack.nodes[0]!.url, apiUrl: stack.messages.url, appId: app.id, deviceId, apiKey: app.api_key });
    clients.push(client);
    return client.connect();
  };
  const agent = () => {
    const client = new AgentClient({ url: stack.nodes[0]!.url, apiUrl: stack.messages.url, appId: app.id, adminToken: app.admin_token });
    clients.push(client);
    return client.connect();
  };

  it('terminal chat - answers --help, and refuses a bad option pointing to it', async () => {
    const help = demo(['--help']);
    expect(await help.quit()).toBe(0);
    expect(help.output()).toMatch(/^Usage: npm run demo:chat -- \[--as device\|agent\]/);
    for (const word of ['--device-id', '--history', '--user-token', 'GATEWAY_URL', 'API_URL', 'ADMIN_TOKEN', 'USER_TOKEN', 'demo-app.json']) {
      expect(help.output()).toContain(word);
    }

    const wrong = demo(['--as', 'robot']);
    expect(await wrong.quit()).toBe(2);
    expect(wrong.output()).toBe('demo:chat: --as must be device or agent, not "robot"\nTry --help.\n');
    const unknown = demo(['--colour']);
    expect(await unknown.quit()).toBe(2);
    expect(unknown.output()).toContain('Try --help.');
    const agentWithUserToken = demo(['--as', 'agent', '--user-token', 'a.b.c']);
    expect(await agentWithUserToken.quit()).toBe(2);
    expect(agentWithUserToken.output()).toContain('--user-token signs a device in');
    const notAJwt = demo(['--user-token', 'secret']);
    expect(await notAJwt.quit()).toBe(2);
    expect(notAJwt.output()).toContain('--user-token must be a JWT');
  });

  it('terminal chat - with --user-token (or USER_TOKEN) the device acts as that user, whose other devices see its conversation', async () => {
    const key = await stack.addIdentityKey(app);
    const user = `terminal-user-${Date.now()}`;
    const token = () => mintToken(key, user, { claims: expiresIn(600) });
    const signedIn = await token();
    const terminal = demo(['--device-id', 'terminal-signed-in', '--user-token', signedIn]);
    await terminal.shows(`* connected as user "${user}" on device "terminal-signed-in"`);
    terminal.type('hello as a signed-in user\n');
    await terminal.shows('you: hello as a signed-in user');

    const phone = new ChatClient({ url: stack.nodes[0]!.url, apiUrl: stack.messages.url, appId: app.id, deviceId: 'user-phone', apiKey: app.api_key, getUserToken: token });
    clients.push(phone.connect());
    const conversation = await phone.latestConversation();
    expect(conversation).toMatchObject({ user_id: user, device_id: 'terminal-signed-in' });
    const page = await phone.messages(conversation!.id);
    expect(page.data.map((m) => [m.body, m.sender_id])).toEqual([['hello as a signed-in user', user]]);
    await phone.join(conversation!.id);
    await phone.send(conversation!.id, 'from my phone');
    await terminal.shows('you: from my phone'); // the same user's message, from another device
    expect(await terminal.quit()).toBe(0);
    expect(terminal.output()).not.toContain(signedIn);

    const fromEnv = demo(['--device-id', 'terminal-env'], { USER_TOKEN: await token() });
    await fromEnv.shows(`* connected as user "${user}" on device "terminal-env"`);
    await fromEnv.shows('you: from my phone'); // the user's latest conversation, with its history
    expect(await fromEnv.quit()).toBe(0);
  }, 60_000);

  it('terminal chat - the agent shows the latest conversation with its history, joins it, shows and sends typing, and says when the connection drops and is back', async () => {
    const deviceId = `customer-${Date.now()}`;
    const customer = device(deviceId);
    const conversation = await customer.openConversation();
    await customer.join(conversation.id);
    await customer.send(conversation.id, 'first question');
    await customer.send(conversation.id, 'second question');
    const toCustomer: Message[] = [];
    const agentTyping: boolean[] = [];
    customer.on('message:new', (m) => toCustomer.push(m));
    customer.on('agent:typing', (t) => agentTyping.push(t.is_typing));

    const inbox = demo(['--as', 'agent']);
    await inbox.shows('* connected as an agent');
    await inbox.shows(`* viewing conversation ${short(conversation.id)} (the latest)`);
    const first = await inbox.shows('user: first question');
    expect(await inbox.shows('user: second question')).toBeGreaterThan(first);

    // The agent joined the conversation it views: the user's typing reaches it (only joined agents get it).
    customer.typing(conversation.id);
    await inbox.shows(`* ${deviceId} is typing…`);

    // Keystrokes before enter are typing; enter sends.
    inbox.type('Hello the');
    await waitFor(() => agentTyping.includes(true), { timeoutMs: 10_000, message: 'agent:typing reached the device' });
    inbox.type('re\n');
    const answer = await waitFor(() => toCustomer.find((m) => m.body === 'Hello there'), { timeoutMs: 10_000, message: 'the answer reached the device' });
    expect(answer.sender).toBe('agent');
    await inbox.shows('you: Hello there');

    ingress.block();
    await inbox.shows('* connection lost');
    ingress.unblock();
    await inbox.shows('* connection is back', { timeoutMs: 30_000 });
    await customer.send(conversation.id, 'after the drop');
    await inbox.shows('user: after the drop');
    // Every message shown once: history, live and the catch-up after the drop do not repeat one.
    for (const body of ['first question', 'second question', 'Hello there', 'after the drop']) {
      expect(inbox.output().split(`: ${body}\n`).length - 1, body).toBe(1);
    }
    expect(await inbox.quit()).toBe(0);
  }, 90_000);

  it('terminal chat - the agent follows the conversation that last wrote, and /list and /view switch', async () => {
    const one = device(`one-${Date.now()}`);
    const first = await one.openConversation();
    await one.join(first.id);
    await one.send(first.id, 'from the first device');

    const inbox = demo(['--as', 'agent', '--history', '5']);
    await inbox.shows(`* viewing conversation ${short(first.id)} (the latest)`);

    const twoId = `two-${Date.now()}`;
    const two = device(twoId);
    const second = await two.openConversation();
    await two.join(second.id);
    await two.send(second.id, 'from the second device');
    const switched = await inbox.shows(`* viewing conversation ${short(second.id)} (it just wrote)`);
    // Switching shows the conversation's history below, the message that made it switch included.
    await inbox.shows('user: from the second device', { after: switched });

    inbox.type('/list\n');
    // Each with its status and unread count (as the agents see it).
    const listed = await inbox.shows(`device ${twoId}  (viewing)`);
    expect(inbox.output().slice(0, listed)).toMatch(new RegExp(`${short(second.id)}  open +\\d+ unread  $`));
    inbox.type(`/view ${short(first.id)}\n`);
    await inbox.shows(`* viewing conversation ${short(first.id)} (chosen)`);
    one.typing(first.id);
    await inbox.shows('is typing…');
    expect(await inbox.quit()).toBe(0);
  }, 60_000);

  it('terminal chat - the agent sees status and unread, and closes, snoozes, assigns and reopens the conversation it views; the device hears each change', async () => {
    const deviceId = `workflow-${Date.now()}`;
    const customer = device(deviceId);
    const conversation = await customer.openConversation();
    await customer.join(conversation.id);
    await customer.send(conversation.id, 'are you there?');
    await customer.send(conversation.id, 'hello?');
    const heard: string[] = [];
    customer.on('conversation:updated', (c) => c.id === conversation.id && heard.push(c.status));
    const id = short(conversation.id);

    const staff = agent();
    const inbox = demo(['--as', 'agent']);
    // Unread as it was when viewed: the history then marks what it shows read.
    await inbox.shows(`* viewing conversation ${id} (the latest): open, 2 unread; type to answer`);
    await inbox.shows('user: hello?');
    await waitFor(async () => (await staff.conversation(conversation.id)).unread_count === 0, { timeoutMs: 10_000, message: 'read by viewing' });

    inbox.type('/assign agent-ada\n');
    await inbox.shows(`* ${id} is now open, assigned to agent-ada, 0 unread`);
    inbox.type('/snooze 30\n');
    const snoozed = await inbox.shows(`* ${id} is now snoozed until `);
    inbox.type('/status\n');
    await inbox.shows(`* ${id}: snoozed until `, { after: snoozed });
    inbox.type('/snooze soon\n');
    await inbox.shows('* usage: /snooze MINUTES');
    inbox.type('/list snoozed agent-ada\n');
    const listedSnoozed = await inbox.shows(`device ${deviceId}  assigned to agent-ada  (viewing)`);
    expect(inbox.output().slice(0, listedSnoozed)).toMatch(new RegExp(`${id}  snoozed +0 unread  $`));
    inbox.type('/close\n');
    const closed = await inbox.shows(`* ${id} is now closed, assigned to agent-ada, 0 unread`);
    inbox.type('/list snoozed\n');
    await inbox.shows('* no such conversations', { after: closed });
    await customer.send(conversation.id, 'one more thing');
    const reopened = await inbox.shows(`* ${id} is now open, assigned to agent-ada, `, { after: closed }); // the user's message
    inbox.type('/assign none\n');
    const unassigned = await inbox.shows(`* ${id} is now open, `, { after: reopened });
    expect(inbox.output().slice(unassigned).split('\n')[0]).toMatch(/is now open, \d+ unread$/);
    inbox.type('/frobnicate\n');
    await inbox.shows('* unknown command /frobnicate');
    await waitFor(() => heard.length === 5, { timeoutMs: 10_000, message: 'the device hears every change' });
    expect(heard).toEqual(['open', 'snoozed', 'closed', 'open', 'open']);
    expect(inbox.output()).not.toContain('agent: /'); // commands are not sent as messages
    expect(await inbox.quit()).toBe(0);
  }, 60_000);

  it('terminal chat - the device shows its conversation\'s status and unread count, hears a close, reopens by writing, and closes with /close', async () => {
    const deviceId = `closer-${Date.now()}`;
    const earlier = device(deviceId);
    const conversation = await earlier.openConversation();
    await earlier.join(conversation.id);
    await earlier.send(conversation.id, 'a question');
    const staff = agent();
    await staff.send(conversation.id, 'an answer');
    await earlier.close();
    const id = short(conversation.id);

    const phone = demo(['--device-id', deviceId]);
    await phone.shows(`* conversation ${id}: open, 1 unread`);
    await phone.shows('agent: an answer');
    // The answer shown is read.
    const asDevice = { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key };
    const unread = async () => (await stack.rest('GET', `/v1/conversations/${conversation.id}`, asDevice)).body.unread_count;
    await waitFor(async () => (await unread()) === 0, { timeoutMs: 10_000, message: 'read by showing' });
    phone.type('/status\n');
    await phone.shows(`* conversation ${id}: open, 0 unread`);

    await staff.updateConversation(conversation.id, { status: 'closed' });
    await phone.shows('* the conversation is now closed, 0 unread');
    phone.type('back again\n');
    const reopened = await phone.shows('* the conversation is now open, 0 unread');
    phone.type('/close\n');
    const closed = await phone.shows('* the conversation is now closed', { after: reopened });
    phone.type('/status\n');
    await phone.shows(`* conversation ${id}: closed, 0 unread`, { after: closed });
    expect((await staff.conversation(conversation.id)).status).toBe('closed');
    expect(await phone.quit()).toBe(0);
  }, 60_000);

  it('terminal chat - the device resumes its latest conversation with its history, shows and sends typing, and says when the connection drops and is back', async () => {
    const deviceId = `returning-${Date.now()}`;
    const earlier = device(deviceId);
    const conversation = await earlier.openConversation();
    await earlier.join(conversation.id);
    await earlier.send(conversation.id, 'my earlier question');
    const staff = agent();
    await waitFor(() => staff.connected);
    await staff.join(conversation.id);
    await staff.send(conversation.id, 'the earlier answer');
    earlier.close();
    const userTyping: boolean[] = [];
    staff.on('user:typing', (t) => t.conversation_id === conversation.id && userTyping.push(t.is_typing));

    const phone = demo(['--as', 'device', '--device-id', deviceId]);
    await phone.shows(`* connected as device "${deviceId}"`);
    const question = await phone.shows('you: my earlier question');
    expect(await phone.shows('agent: the earlier answer')).toBeGreaterThan(question);

    staff.typing(conversation.id);
    await phone.shows('* the agent is typing…');
    phone.type('and one');
    await waitFor(() => userTyping.includes(true), { timeoutMs: 10_000, message: 'user:typing reached the agent' });
    phone.type(' more thing\n');
    await phone.shows('you: and one more thing');

    ingress.block();
    await phone.shows('* connection lost');
    ingress.unblock();
    await phone.shows('* connection is back', { timeoutMs: 30_000 });
    await staff.send(conversation.id, 'welcome back');
    await phone.shows('agent: welcome back');
    // The history is not shown again on the way back.
    expect(phone.output().split('you: my earlier question\n').length - 1).toBe(1);
    expect(await phone.quit()).toBe(0);
  }, 60_000);
});
