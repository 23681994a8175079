import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@switchboard/logger';
import { createDependencyStatus } from './dependency-status.js';

function capture() {
  const lines: Array<{ level: string; msg: string }> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', level: 'info', destination }) };
}

describe('dependency status', () => {
  it('dependency status - one line per transition: waiting, connected, lost, back; repeated failures are not logged', () => {
    const { lines, logger } = capture();
    const status = createDependencyStatus(logger);
    status.register('postgres', { target: 'db:5432/chat', required: true });
    status.register('nats', { target: 'nats://n:4222', required: false });
    expect(status.checks()).toEqual({ postgres: 'down', nats: 'down' });
    expect(status.requiredUp()).toBe(false);

    status.down('postgres', 'ECONNREFUSED');
    status.down('postgres', 'ECONNREFUSED');
    status.up('postgres');
    status.up('postgres');
    status.down('postgres', '57P01 terminating connection');
    status.down('postgres', 'ECONNREFUSED');
    status.up('postgres');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'waiting for postgres at db:5432/chat: ECONNREFUSED'],
      ['info', 'connected to postgres at db:5432/chat'],
      ['warn', 'lost postgres at db:5432/chat: 57P01 terminating connection'],
      ['info', 'postgres is back at db:5432/chat'],
    ]);
    // NATS is not required: down, and still every required one is up.
    expect(status.checks()).toEqual({ postgres: 'ok', nats: 'down' });
    expect(status.requiredUp()).toBe(true);
  });
});
