import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, RequestError, type AgentClient, type ChatClient } from '@switchboard/client';
import { WORKFLOW, type Conversation, type CreatedApp } from '@switchboard/protocol';
import { sleep } from '@switchboard/testing';
import { collect, sdkClients, settlesWithin, startSdkStack, type SdkStack } from './sdk-stack.js';

/** After the last expected event, how long the tests keep listening for one too many. */
const QUIET_MS = 1500;
/** An hour ahead: a snooze the timer does not end during the test. */
const SNOOZE_MS = 60 * 60_000;
/** A snooze the test waits out. */
const SHORT_SNOOZE_MS = 2000;
/** From a change in the database to a socket: the outbox relay (polling every 200 ms in tests), NATS, the gateway. */
const DELIVERY_MS = 3000;

/** The workflow fields of a conversation, `snoozed_until` as epoch milliseconds (the server answers in UTC). */
const workflow = (c: Conversation) => [c.status, c.snoozed_until === null ? null : Date.parse(c.snoozed_until), c.assignee_id];

/** The support workflow through the SDK (CONTRACT.md, "Conversation workflow"): one stack, two gateway nodes. */
describe('sdk: workflow', () => {
  let stack: SdkStack;
  beforeAll(async () => {
    stack = await startSdkStack({ nodes: 2 });
  }, 60_000);
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  /** A device on node 1, agents on node 2: each change reaches both sides once as `conversation:updated`. */
  describe('sdk: workflow on two gateway nodes', () => {
    let app: CreatedApp;
    const clients = sdkClients(() => stack, () => app);
    const node = (n: 1 | 2) => ({ url: stack.gatewayUrls[n - 1]! });

    beforeAll(async () => {
      app = await stack.createApp('sdk-workflow');
    });
    afterAll(() => clients.closeAll());

    /** What `client` hears as `conversation:updated` about one conversation. */
    const updatesOf = (client: ChatClient | AgentClient, conversationId: string) => {
      const heard = collect<Conversation>();
      (client.on as AgentClient['on'])('conversation:updated', (c) => c.id === conversationId && heard.push(c));
      return heard;
    };

    /** A device on node 1 in its new conversation's room, and an agent on node 2 that joined it too. */
    const deviceAndAgent = async (deviceId: string) => {
      const device = clients.chat(deviceId, node(1)).connect();
      const conversation = await settlesWithin(device.openConversation(), 5000, 'open');
      await settlesWithin(device.join(conversation.id), 5000, 'device join');
      const desk = clients.agent(node(2)).connect();
      // In the conversation's room as well as the app's: still one event per change.
      await settlesWithin(desk.join(conversation.id), 5000, 'agent join');
      const session = (await desk.sessions()).find((s) => s.connection_id === device.connectionId);
      expect(session?.node_id).toBe('sdk-node-1');
      return { device, desk, conversation, id: conversation.id, deviceHeard: updatesOf(device, conversation.id), deskHeard: updatesOf(desk, conversation.id) };
    };

    it('sdk workflow - an agent on node 2 snoozes, assigns and closes; the device on node 1 and the agent hear each change once, with its fields', async () => {
      const { device, desk, id, deviceHeard, deskHeard } = await deviceAndAgent('wf-phone');
      const until = new Date(Date.now() + SNOOZE_MS);
      const both = async (count: number, what: string) => {
        await deviceHeard.until((items) => items.length >= count, `the device hears ${what}`);
        await deskHeard.until((items) => items.length >= count, `the agent hears ${what}`);
      };

      const snoozed = await settlesWithin(desk.updateConversation(id, { status: 'snoozed', snoozed_until: until }), 5000, 'snooze');
      expect(workflow(snoozed)).toEqual(['snoozed', until.getTime(), null]);
      await both(1, 'the snooze');
      // A snoozed conversation is still the user's to resume: their next message reopens it.
      expect((await device.latestConversation())?.id).toBe(id);

      const assigned = await desk.updateConversation(id, { assignee_id: 'agent-ada' });
      expect(workflow(assigned)).toEqual(['snoozed', until.getTime(), 'agent-ada']);
      await both(2, 'the assignment');

      const closed = await desk.updateConversation(id, { status: 'closed' });
      expect(workflow(closed)).toEqual(['closed', null, 'agent-ada']);
      await both(3, 'the close');
      // A change that changes nothing answers the conversation and emits nothing.
      expect(workflow(await desk.updateConversation(id, { status: 'closed' }))).toEqual(['closed', null, 'agent-ada']);
      expect(await device.latestConversation()).toBeNull();

      const unassigned = await desk.updateConversation(id, { assignee_id: null });
      expect(workflow(unassigned)).toEqual(['closed', null, null]);
      await both(4, 'the unassignment');
      await sleep(QUIET_MS);
      const expected = [
        ['snoozed', until.getTime(), null],
        ['snoozed', until.getTime(), 'agent-ada'],
        ['closed', null, 'agent-ada'],
        ['closed', null, null],
      ];
      expect(deviceHeard.items.map(workflow)).toEqual(expected);
      expect(deskHeard.items.map(workflow)).toEqual(expected);
      for (const heard of [...deviceHeard.items, ...deskHeard.items]) expect(heard).toMatchObject({ id, app_id: app.id, device_id: 'wf-phone' });
    });

    it('sdk workflow - the device closes with closeConversation and the agent hears it; a user\'s message reopens it and both see open; an agent\'s does not', async () => {
      const { device, desk, id, deviceHeard, deskHeard } = await deviceAndAgent('wf-tablet');
      const closed = await settlesWithin(device.closeConversation(id), 5000, 'close over REST');
      expect(closed).toMatchObject({ id, status: 'closed', snoozed_until: null });
      await deskHeard.until((items) => items.some((c) => c.status === 'closed'), 'the agent hears the close');
      await deviceHeard.until((items) => items.some((c) => c.status === 'closed'), 'the device hears its own close');
      expect((await device.closeConversation(id)).status).toBe('closed'); // again: nothing changes, nothing is emitted

      await device.send(id, 'one more question');
      await deskHeard.until((items) => items.at(-1)?.status === 'open', 'the agent sees it reopened');
      await deviceHeard.until((items) => items.at(-1)?.status === 'open', 'the device sees it reopened');
      expect((await desk.conversation(id)).status).toBe('open');
      expect((await device.latestConversation())?.id).toBe(id);

      await desk.updateConversation(id, { status: 'closed' });
      await deviceHeard.until((items) => items.length >= 3, 'the device hears the agent close it');
      await desk.send(id, 'closing note');
      await sleep(QUIET_MS);
      expect((await desk.conversation(id)).status).toBe('closed');
      expect(deviceHeard.items.map((c) => c.status)).toEqual(['closed', 'open', 'closed']);
      expect(deskHeard.items.map((c) => c.status)).toEqual(['closed', 'open', 'closed']);
    });

    it('sdk workflow - a snooze ends by itself: the device and the agent hear it open again, once, within 5 s of snoozed_until', async () => {
      const { desk, id, deviceHeard, deskHeard } = await deviceAndAgent('wf-sleeper');
      const until = new Date(Date.now() + SHORT_SNOOZE_MS);
      await desk.updateConversation(id, { status: 'snoozed', snoozed_until: until });
      const woke = (items: Conversation[]) => items.some((c) => c.status === 'open');
      await deviceHeard.until(woke, 'the device hears it wake', SHORT_SNOOZE_MS + WORKFLOW.snoozeWakeBoundMs + DELIVERY_MS);
      await deskHeard.until(woke, 'the agent hears it wake', DELIVERY_MS);
      const reopened = deviceHeard.items.find((c) => c.status === 'open')!;
      expect(workflow(reopened)).toEqual(['open', null, null]);
      // Reopened by the service at snoozed_until, within the bound (its updated_at is the moment of the change).
      const late = Date.parse(reopened.updated_at) - until.getTime();
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThanOrEqual(WORKFLOW.snoozeWakeBoundMs);
      await sleep(QUIET_MS);
      expect(deviceHeard.items.map((c) => c.status)).toEqual(['snoozed', 'open']);
      expect(deskHeard.items.map((c) => c.status)).toEqual(['snoozed', 'open']);
      expect((await desk.conversation(id)).status).toBe('open');
    });

    it('sdk workflow - refused changes reject with the contract code and change nothing', async () => {
      const { device, desk, id, deviceHeard, deskHeard } = await deviceAndAgent('wf-refused');
      const before = await desk.conversation(id);
      const refusals: [string, () => Promise<unknown>, string][] = [
        ['snoozed without snoozed_until', () => desk.updateConversation(id, { status: 'snoozed' }), 'VALIDATION_FAILED'],
        ['snoozed until a past time', () => desk.updateConversation(id, { status: 'snoozed', snoozed_until: new Date(Date.now() - 60_000) }), 'VALIDATION_FAILED'],
        ['snoozed_until with open', () => desk.updateConversation(id, { status: 'open', snoozed_until: new Date(Date.now() + SNOOZE_MS) }), 'VALIDATION_FAILED'],
        ['an invalid Date', () => desk.updateConversation(id, { status: 'snoozed', snoozed_until: new Date('not a date') }), 'VALIDATION_FAILED'],
        ['an unknown status', () => desk.updateConversation(id, { status: 'pending' as 'open' }), 'VALIDATION_FAILED'],
        ['nothing to change', () => desk.updateConversation(id, {}), 'VALIDATION_FAILED'],
        ['an unknown conversation', () => desk.updateConversation('conv_doesnotexist', { status: 'closed' }), 'NOT_FOUND'],
      ];
      for (const [what, attempt, code] of refusals) {
        const refused = settlesWithin(attempt(), 5000, what);
        await expect(refused, what).rejects.toBeInstanceOf(RequestError);
        await expect(refused, what).rejects.toMatchObject({ code });
      }
      // Another app's conversation is not found, for its agent's socket and for a device of this app.
      const other = await stack.createApp('sdk-workflow-other');
      const elsewhere = await stack.openConversation(other, 'wf-refused');
      await expect(desk.updateConversation(elsewhere.id, { status: 'closed' })).rejects.toMatchObject({ name: 'RequestError', code: 'NOT_FOUND' });
      const strangers = await stack.openConversation(app, 'wf-someone-else');
      const notMine = device.closeConversation(strangers.id);
      await expect(notMine).rejects.toBeInstanceOf(ApiError);
      await expect(notMine).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });

      await sleep(QUIET_MS);
      expect(await desk.conversation(id)).toEqual(before);
      expect((await desk.conversation(strangers.id)).status).toBe('open');
      expect(deviceHeard.items).toEqual([]);
      expect(deskHeard.items).toEqual([]);
    });

    it('sdk workflow - unread counts seen by both sides move with messages and markRead, conversation:updated carrying each side\'s', async () => {
      const { device, desk, id, deviceHeard, deskHeard } = await deviceAndAgent('wf-unread');
      const unread = async () => [(await device.conversation(id)).unread_count, (await desk.conversation(id)).unread_count];
      const listed = async (client: ChatClient | AgentClient) => {
        const ids: string[] = [];
        for await (const c of client.listConversations({ unread: true, limit: 200 })) ids.push(c.id);
        return ids.includes(id);
      };
      expect(await unread()).toEqual([0, 0]);

      const first = await device.send(id, 'first');
      const second = await device.send(id, 'second');
      expect(await unread()).toEqual([0, 2]); // [the user's, the agents']
      const answer = await desk.send(id, 'an answer');
      expect(await unread()).toEqual([1, 2]);
      expect([await listed(device), await listed(desk)]).toEqual([true, true]);

      // A change reaches each side with its own count.
      await desk.updateConversation(id, { assignee_id: 'agent-bob' });
      await deviceHeard.until((items) => items.length === 1, 'the device hears the assignment');
      await deskHeard.until((items) => items.length === 1, 'the agent hears the assignment');
      expect(deviceHeard.items[0]?.unread_count).toBe(1);
      expect(deskHeard.items[0]?.unread_count).toBe(2);

      await desk.markRead(id, first.id);
      expect(await unread()).toEqual([1, 1]);
      await desk.markRead(id, second.id);
      expect(await unread()).toEqual([1, 0]);
      expect([await listed(device), await listed(desk)]).toEqual([true, false]);
      await device.markRead(id, answer.id);
      expect(await unread()).toEqual([0, 0]);
      expect([await listed(device), await listed(desk)]).toEqual([false, false]);
      const page = await desk.conversations({ assignee: 'agent-bob' });
      expect(page.data.find((c) => c.id === id)).toMatchObject({ unread_count: 0, last_message_id: answer.id });
    });

    it('sdk workflow - a device lists its own conversations, with filters, a page at a time', async () => {
      const device = clients.chat('wf-lister');
      const opened = [await device.openConversation(), await device.openConversation(), await device.openConversation()];
      await stack.openConversation(app, 'wf-another-lister');
      await device.closeConversation(opened[1]!.id);
      const all: string[] = [];
      for await (const c of device.listConversations({ limit: 2 })) all.push(c.id);
      expect(all).toEqual(opened.map((c) => c.id).reverse());
      const closed: string[] = [];
      for await (const c of device.listConversations({ status: 'closed', limit: 1 })) closed.push(c.id);
      expect(closed).toEqual([opened[1]!.id]);
    });
  });

  /**
   * The inbox: `listConversations` with filters on an app of its own, 12 conversations in pages of 5 (and 2),
   * each visited once, also while conversations are closed, snoozed and assigned during the walk.
   */
  describe('sdk: inbox paging with filters', () => {
    let app: CreatedApp;
    const clients = sdkClients(() => stack, () => app);
    /** The URLs of the agent's REST requests. */
    const requested: string[] = [];
    let desk: AgentClient;
    /** The 12 conversation ids, oldest activity first. */
    let ids: string[];
    /** The same, newest activity first: the list's order. */
    let order: string[];

    const walk = async (filters: Parameters<AgentClient['listConversations']>[0], during?: (index: number, id: string) => Promise<void>) => {
      requested.length = 0;
      const seen: string[] = [];
      for await (const c of desk.listConversations(filters)) {
        seen.push(c.id);
        await during?.(seen.length - 1, c.id);
      }
      return seen;
    };
    const pick = (...indexes: number[]) => indexes.map((i) => ids[i]!);
    const inOrder = (wanted: string[]) => order.filter((id) => wanted.includes(id));

    beforeAll(async () => {
      app = await stack.createApp('sdk-inbox');
      desk = clients.agent({
        url: stack.gatewayUrls[1]!,
        fetch: (input, init) => {
          requested.push(String(input));
          return fetch(input, init);
        },
      });
      desk.connect();
      const devices = Array.from({ length: 12 }, (_, i) => clients.chat(`inbox-device-${i}`));
      ids = [];
      for (const device of devices) ids.push((await device.openConversation()).id);
      // Unread by the agents: the users of 1, 5, 8 and 11 wrote, in that order, which moves them to the top (before
      // the changes below: a user's message reopens).
      for (const i of [1, 5, 8, 11]) await devices[i]!.sendViaRest(ids[i]!, `question ${i}`);
      const until = new Date(Date.now() + SNOOZE_MS);
      for (const id of pick(0, 1, 2, 3)) await desk.updateConversation(id, { status: 'closed' });
      for (const id of pick(4, 5, 6)) await desk.updateConversation(id, { status: 'snoozed', snoozed_until: until });
      for (const id of pick(7, 8, 9)) await desk.updateConversation(id, { assignee_id: 'agent-ada' });
      // Newest activity first: the conversations with messages (newest message first), then the others (newest first).
      order = [...pick(11, 8, 5, 1), ...pick(10, 9, 7, 6, 4, 3, 2, 0)];
    }, 90_000);
    afterAll(() => clients.closeAll());

    it('sdk inbox - 12 conversations in pages of 5: three requests following next_cursor, each conversation once, newest activity first', async () => {
      expect(await walk({ limit: 5 })).toEqual(order);
      expect(requested).toHaveLength(3);
      expect(requested.map((url) => new URL(url).searchParams.get('limit'))).toEqual(['5', '5', '5']);
      expect(requested.map((url) => new URL(url).searchParams.has('cursor'))).toEqual([false, true, true]);
    });

    it('sdk inbox - each filter and combination lists exactly its conversations, newest activity first, in pages of 2', async () => {
      const cases: [Parameters<AgentClient['listConversations']>[0], string[]][] = [
        [{ status: 'closed' }, pick(0, 1, 2, 3)],
        [{ status: 'snoozed' }, pick(4, 5, 6)],
        [{ status: 'open' }, pick(7, 8, 9, 10, 11)],
        [{ assignee: 'agent-ada' }, pick(7, 8, 9)],
        [{ assignee: 'none' }, pick(0, 1, 2, 3, 4, 5, 6, 10, 11)],
        [{ unread: true }, pick(1, 5, 8, 11)],
        [{ status: 'open', assignee: 'none' }, pick(10, 11)],
        [{ status: 'open', unread: true }, pick(8, 11)],
        [{ status: 'closed', assignee: 'agent-ada' }, []],
      ];
      for (const [filters, expected] of cases) {
        expect(await walk({ ...filters, limit: 2 }), JSON.stringify(filters)).toEqual(inOrder(expected));
        expect(requested.length, JSON.stringify(filters)).toBe(Math.max(1, Math.ceil(expected.length / 2)));
      }
    });

    it('sdk inbox - conversations closed, snoozed and assigned during the walk are each visited once', async () => {
      const until = new Date(Date.now() + SNOOZE_MS);
      // After the first page: change conversations the walk has not reached yet, and some it has.
      const seen = await walk({ limit: 5 }, async (index) => {
        if (index !== 4) return;
        const [notYetA, notYetB, notYetC, done] = [order[6]!, order[8]!, order[11]!, order[0]!];
        await desk.updateConversation(notYetA, { status: 'closed' });
        await desk.updateConversation(notYetB, { assignee_id: 'agent-bob' });
        await desk.updateConversation(notYetC, { status: 'snoozed', snoozed_until: until });
        await desk.updateConversation(done, { status: 'closed' });
      });
      expect(seen).toEqual(order);

      // With a filter, a conversation that leaves it before its page is read is not listed; none is listed twice.
      const open = inOrder(pick(7, 8, 9, 10, 11)).filter((id) => id !== order[0] && id !== order[6]);
      const leaving = open.at(-1)!;
      const listed = await walk({ status: 'open', limit: 1 }, async (index) => {
        if (index === 0) await desk.updateConversation(leaving, { status: 'closed' });
      });
      expect(listed).toEqual(open.filter((id) => id !== leaving));
    });
  });
});
