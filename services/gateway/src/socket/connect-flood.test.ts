import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createConnectFloodGuard } from './connect-flood.js';

/** An engine.io connection as the guard sees it: inbound `packet`s and outbound `packetCreate`s. */
function fakeConnection() {
  const events = new EventEmitter();
  const conn = {
    closed: false,
    on: (event: string, listener: (...args: any[]) => void) => events.on(event, listener.bind(conn)),
    close: () => void (conn.closed = true),
    in: (data: string) => events.emit('packet', { type: 'message', data }),
    out: (data: string) => events.emit('packetCreate', { type: 'message', data }),
  };
  return conn;
}

function guarded() {
  let floods = 0;
  const guard = createConnectFloodGuard(() => floods++);
  const conn = fakeConnection();
  guard(conn);
  return { conn, floods: () => floods };
}

describe('connect flood guard', () => {
  it('connect flood - a second CONNECT for a pending namespace closes the connection', () => {
    const { conn, floods } = guarded();
    conn.in('0/client,{"app_id":"a"}');
    expect(conn.closed).toBe(false);
    conn.in('0/client,{"app_id":"b"}');
    expect(conn.closed).toBe(true);
    expect(floods()).toBe(1);
  });

  it('connect flood - a second CONNECT for an accepted namespace closes the connection', () => {
    const { conn } = guarded();
    conn.in('0/admin,{}');
    conn.out('0/admin,{"sid":"s1"}');
    conn.in('0/admin,{}');
    expect(conn.closed).toBe(true);
  });

  it('connect flood - one pending per namespace: /client and /admin together are fine, and other packets are ignored', () => {
    const { conn } = guarded();
    conn.in('0/client,{}');
    conn.in('0/admin,{}');
    conn.in('2/client,["message:send",{}]');
    conn.out('0/client,{"sid":"s1"}');
    conn.in('2/client,["typing:start",{}]');
    expect(conn.closed).toBe(false);
  });

  it('connect flood - a refusal (CONNECT_ERROR) or leaving the namespace (DISCONNECT, either side) frees it for another CONNECT', () => {
    const { conn } = guarded();
    for (let i = 0; i < 5; i++) {
      conn.in('0/client,{}');
      conn.out('4/client,{"message":"INVALID_CREDENTIALS"}');
    }
    conn.in('0/client,{}');
    conn.out('0/client,{"sid":"s1"}');
    conn.in('1/client,');
    conn.in('0/client,{}');
    conn.out('0/client,{"sid":"s2"}');
    conn.out('1/client,');
    conn.in('0/client,{}');
    expect(conn.closed).toBe(false);
  });

  it('connect flood - the main namespace and unknown ones count too', () => {
    const main = guarded();
    main.conn.in('0{"x":1}');
    main.conn.in('0');
    expect(main.conn.closed).toBe(true);
    const unknown = guarded();
    unknown.conn.in('0/nope,{}');
    unknown.conn.out('4/nope,{"message":"Invalid namespace"}');
    unknown.conn.in('0/other,{}');
    expect(unknown.conn.closed).toBe(false);
    unknown.conn.in('0/third,{}');
    expect(unknown.conn.closed).toBe(true);
  });
});
