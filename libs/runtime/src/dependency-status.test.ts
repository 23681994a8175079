import { describe, expect, it } from 'vitest';
import { createLogger } from '@switchboard/logger';
import { captureLogLines } from '@switchboard/testing';
import { createDependencyStatus, describeDependencyError } from './dependency-status.js';

function capture() {
  const { lines, destination } = captureLogLines();
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

  it('dependency status - onBack hears a dependency coming back after it was lost, not its first connection nor a repeated up', () => {
    const { logger } = capture();
    const status = createDependencyStatus(logger);
    const back: string[] = [];
    status.onBack((name) => back.push(name));
    status.register('nats', { target: 'nats://n:4222', required: false });
    status.down('nats', 'ECONNREFUSED');
    status.up('nats'); // first connection
    status.up('nats');
    expect(back).toEqual([]);
    status.down('nats', 'disconnected');
    status.up('nats');
    status.up('nats');
    expect(back).toEqual(['nats']);
  });
});

describe('describeDependencyError', () => {
  it('dependency error - the code once, also from a wrapping error\'s cause (fetch, nats.js)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(describeDependencyError(refused)).toBe('connect ECONNREFUSED 127.0.0.1:6379');
    expect(describeDependencyError(new Error('connection refused', { cause: refused }))).toBe('ECONNREFUSED connection refused');
    expect(describeDependencyError(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe('57P01 terminating connection');
    expect(describeDependencyError('plain')).toBe('plain');
  });
});
