import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ChatClient } from '@switchboard/client';
import { createLogger } from '@switchboard/logger';
import { createPostgresDatabase } from '@switchboard/messages';
import type { CreatedApp } from '@switchboard/protocol';
import { startTcpBalancer, waitFor, type TcpBalancer } from '@switchboard/testing';
import type { Device } from '../fixtures/app-fixtures.js';

/** What became of the sends the SDK clients queued while disconnected, checked against Postgres. */
export interface QueuedSendsResult {
  /** Sends made during the storm. */
  readonly queued: number;
  /** Of which the client was not connected when `send()` was called (the rest: it was back already). */
  readonly whileDisconnected: number;
  /** The SDK resolved them (acknowledged, stored). */
  readonly acknowledged: number;
  /** The SDK rejected them, by code, or they were still pending at the deadline (`PENDING`). */
  readonly failed: Record<string, number>;
  /** In Postgres exactly once (by `local_id`). */
  readonly storedOnce: number;
  /** Not in Postgres at all. */
  readonly lost: number;
  /** In Postgres more than once. */
  readonly duplicated: number;
}

/**
 * A few hundred real SDK clients (`ChatClient` of `@switchboard/client`, default options: its own reconnect policy,
 * offline send queue, retries) in the storm's fleet, in the runner's process, connected through a TCP balancer in
 * front of the server's port (so a cut can reach them, and a restarted server on the same port takes them back).
 * During a storm each one queues sends as soon as it lost its connection; afterwards Postgres must hold each once.
 */
export interface SdkFleet extends AsyncDisposable {
  readonly size: number;
  /** Connects every client and waits until all are connected. */
  connect(timeoutMs: number): Promise<void>;
  /** Starts a storm's record: from now, each client queues `sends` messages when it loses its connection. */
  mark(sends: number): void;
  /** Cuts every client's connection at the balancer (closes them; new connections pass). */
  cut(): void;
  readonly connected: number;
  /** When each client that came back since the mark got `connect` again (epoch ms). */
  backAt(): number[];
  /** Failed reconnect attempts since the mark, by the SDK's cause code. */
  refused(): Record<string, number>;
  /** Waits until the storm's sends settled (or `timeoutMs`), then checks them in Postgres. */
  checkSends(databaseUrl: string, timeoutMs: number): Promise<QueuedSendsResult>;
  close(): Promise<void>;
}

interface SendRecord {
  readonly localId: string;
  readonly whileDisconnected: boolean;
  outcome: 'pending' | 'acknowledged' | string;
}

interface Member {
  readonly client: ChatClient;
  readonly conversationId: string;
  backAt: number | undefined;
  queuedThisStorm: boolean;
}

export async function startSdkFleet(options: {
  readonly serverPort: number;
  readonly apiUrl: string;
  readonly app: CreatedApp;
  readonly devices: readonly Device[];
}): Promise<SdkFleet> {
  const balancer: TcpBalancer = await startTcpBalancer([options.serverPort]);
  let sendsPerDrop = 0;
  let marked = false;
  const sends: SendRecord[] = [];
  const pending = new Set<Promise<unknown>>();
  let refused: Record<string, number> = {};
  const members: Member[] = options.devices.map((device) => ({
    client: new ChatClient({ url: balancer.url, apiUrl: options.apiUrl, appId: options.app.id, deviceId: device.deviceId, apiKey: options.app.api_key }),
    conversationId: device.conversationId!,
    backAt: undefined,
    queuedThisStorm: false,
  }));

  const queueSends = (member: Member) => {
    for (let i = 0; i < sendsPerDrop; i++) {
      const localId = randomUUID();
      const record: SendRecord = { localId, whileDisconnected: member.client.state !== 'connected', outcome: 'pending' };
      sends.push(record);
      const sending = member.client.send(member.conversationId, `0 storm ${localId}`, { localId }).then(
        () => (record.outcome = 'acknowledged'),
        (error: unknown) => (record.outcome = (error as { code?: string }).code ?? 'ERROR'),
      );
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
    }
  };

  for (const member of members) {
    const { client } = member;
    client.on('connect', () => {
      if (marked) member.backAt ??= Date.now();
    });
    client.on('disconnect', () => {
      if (!marked || member.queuedThisStorm) return;
      member.queuedThisStorm = true;
      // After the SDK scheduled its reconnect (it emits `disconnect` first): the sends go into its offline queue.
      setImmediate(() => queueSends(member));
    });
    client.on('reconnecting', ({ attempt, cause }) => {
      // Attempt 0 follows the drop itself; the later ones follow failed attempts.
      if (marked && attempt > 0) refused[cause.code] = (refused[cause.code] ?? 0) + 1;
    });
  }

  const close = async () => {
    await Promise.all(members.map((m) => m.client.close()));
    await balancer.close();
  };
  return {
    size: members.length,
    async connect(timeoutMs) {
      for (const member of members) member.client.connect();
      await waitFor(() => members.every((m) => m.client.connected), {
        timeoutMs,
        message: `SDK clients connected (${members.filter((m) => m.client.connected).length}/${members.length})`,
      });
    },
    mark(count) {
      sendsPerDrop = count;
      marked = true;
      refused = {};
      for (const member of members) {
        member.backAt = undefined;
        member.queuedThisStorm = false;
      }
      sends.length = 0;
    },
    cut() {
      balancer.block();
      balancer.unblock();
    },
    get connected() {
      return members.filter((m) => m.client.connected).length;
    },
    backAt: () => members.flatMap((m) => (m.backAt === undefined ? [] : [m.backAt])),
    refused: () => ({ ...refused }),
    async checkSends(databaseUrl, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (pending.size > 0 && Date.now() < deadline) await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, 1000))]);
      const postgres = createPostgresDatabase({ connectionString: databaseUrl, poolSize: 1, logger: createLogger({ service: 'load-storm', level: 'warn' }) });
      let counts: Map<string, number>;
      try {
        const localIds = sends.map((s) => s.localId);
        const rows = await sql<{ local_id: string; n: number }>`SELECT local_id, count(*)::int AS n FROM messages WHERE local_id = ANY(${localIds}::text[]) GROUP BY local_id`.execute(postgres.db);
        counts = new Map(rows.rows.map((r) => [r.local_id, r.n]));
      } finally {
        await postgres.close();
      }
      const failed: Record<string, number> = {};
      for (const s of sends) {
        if (s.outcome === 'acknowledged') continue;
        const code = s.outcome === 'pending' ? 'PENDING' : s.outcome;
        failed[code] = (failed[code] ?? 0) + 1;
      }
      const n = (s: SendRecord) => counts.get(s.localId) ?? 0;
      return {
        queued: sends.length,
        whileDisconnected: sends.filter((s) => s.whileDisconnected).length,
        acknowledged: sends.filter((s) => s.outcome === 'acknowledged').length,
        failed,
        storedOnce: sends.filter((s) => n(s) === 1).length,
        lost: sends.filter((s) => n(s) === 0).length,
        duplicated: sends.filter((s) => n(s) > 1).length,
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
