import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchboard/testing';
import { checkCaughtUp, runScenario, useFaultStack } from './scenario.js';

/** The relay lease's advisory lock (`RELAY_LOCK_KEY` in services/messages/src/outbox/pg-relay-coordinator.ts). */
const RELAY_LOCK_KEY = 0x73622d6f7574;
/** The advisory lock this test holds to stop the relay's DELETE after JetStream acknowledged the batch. */
const HOLD_KEY = 0x66617574;

describe('faults: kill -9 of the outbox relay leader between publish and delete', () => {
  const { faults, fleet } = useFaultStack({ messagesReplicas: 2 });

  it('faults - the replica holding the relay lease killed while its DELETE of a published batch waits: the standby republishes, JetStream drops the duplicates; catch-up timed against the 5 s bar from the kill', async () => {
    const figures = await runScenario('outbox relay leader kill -9 between publish and delete', faults(), fleet(), async () => {
      const { query, replicas, stack } = faults();
      const [lease] = await query<{ application_name: string }>(
        `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = $1`,
        [RELAY_LOCK_KEY],
      );
      if (!lease) throw new Error('no replica holds the relay lease');
      // Replica 1 connects with the default application_name (''), replica 2 as `replica-2` (fault-stack.ts).
      const leader = lease.application_name === 'replica-2' ? replicas[1]! : replicas[0]!;

      // Every DELETE on the outbox first waits for a lock this session holds: the relay publishes a batch, JetStream
      // acknowledges it, and its DELETE blocks. That moment, seen in pg_stat_activity, is when the leader is killed.
      const holder = new pg.Client({ connectionString: stack.database.url, application_name: 'faults-holder' });
      holder.on('error', () => {});
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [HOLD_KEY]);
        await query(`CREATE FUNCTION faults_hold_delete() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_advisory_xact_lock_shared(${HOLD_KEY}); RETURN NULL; END $$`);
        await query('CREATE TRIGGER faults_hold_delete BEFORE DELETE ON outbox FOR EACH STATEMENT EXECUTE FUNCTION faults_hold_delete()');
        const blocked = await waitFor(
          async () =>
            (
              await query<{ pid: number }>(
                `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'delete from%outbox%' AND application_name = $1`,
                [lease.application_name],
              )
            )[0],
          { timeoutMs: 10_000, intervalMs: 20, message: "the leader's DELETE waiting" },
        );
        const [{ count }] = (await query<{ count: string }>('SELECT count(*) FROM outbox')) as [{ count: string }];
        const faultAt = Date.now();
        leader.signal('SIGKILL');
        await leader.exited;
        // Postgres would run the DELETE once the lock is free (its client being gone): end it as a reset link would,
        // so the published rows stay and the standby publishes them again.
        await query('SELECT pg_terminate_backend($1)', [blocked.pid]);
        // Unlocked before the trigger goes: DROP TRIGGER waits for the DELETEs in progress, which wait for the lock.
        await holder.query('SELECT pg_advisory_unlock($1)', [HOLD_KEY]);
        await query('DROP TRIGGER faults_hold_delete ON outbox');
        await query('DROP FUNCTION faults_hold_delete()');
        return {
          faultAt,
          referenceAt: faultAt,
          reference: 'the kill (the leader stays down; the standby takes the lease)',
          extra: { leader: lease.application_name || 'replica-1', outboxRowsAtKill: Number(count) },
        };
      } finally {
        await holder.end();
      }
    });
    expect(Number(figures.extra.outboxRowsAtKill)).toBeGreaterThan(0);
    expect(figures.violations).toEqual([]);
    expect(figures.failedSends).toBe(0);
    checkCaughtUp(figures);
  });
});
