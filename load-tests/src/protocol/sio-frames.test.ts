import { describe, expect, it } from 'vitest';
import { createSession, decodeFrame, encodeAck, encodeConnect, encodeEvent, engineIoUrl } from './sio-frames.js';

describe('sio-frames', () => {
  it('sio-frames - the Engine.IO URL is the websocket endpoint of the path', () => {
    expect(engineIoUrl('http://127.0.0.1:3000')).toBe('ws://127.0.0.1:3000/v1/socket.io/?EIO=4&transport=websocket');
    expect(engineIoUrl('https://chat.example.com/', '/custom/')).toBe('wss://chat.example.com/custom/?EIO=4&transport=websocket');
  });

  it('sio-frames - encodes connect, events with and without ack ids, and acks', () => {
    expect(encodeConnect('/client', { app_id: 'a' })).toBe('40/client,{"app_id":"a"}');
    expect(encodeConnect('/')).toBe('40');
    expect(encodeEvent('/client', 'ping')).toBe('42/client,["ping"]');
    expect(encodeEvent('/client', 'ping', [], 7)).toBe('42/client,7["ping"]');
    expect(encodeEvent('/', 'x', [{ a: 1 }, 2])).toBe('42["x",{"a":1},2]');
    expect(encodeAck('/admin', 12, ['pong'])).toBe('43/admin,12["pong"]');
  });

  it('sio-frames - decodes every packet kind, and bad frames as invalid', () => {
    expect(decodeFrame('0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":65536}')).toMatchObject({ kind: 'open', open: { sid: 's', pingInterval: 25000 } });
    expect(decodeFrame('2')).toEqual({ kind: 'ping' });
    expect(decodeFrame('40/client,{"sid":"x","pid":"p"}')).toEqual({ kind: 'connect', nsp: '/client', data: { sid: 'x', pid: 'p' } });
    expect(decodeFrame('44/client,{"message":"MISSING_PARAMS","data":{"code":"MISSING_PARAMS"}}')).toEqual({
      kind: 'connect_error',
      nsp: '/client',
      error: { message: 'MISSING_PARAMS', data: { code: 'MISSING_PARAMS' } },
    });
    expect(decodeFrame('42/client,["message:new",{"id":"m"},"offset"]')).toEqual({ kind: 'event', nsp: '/client', id: undefined, name: 'message:new', args: [{ id: 'm' }, 'offset'] });
    expect(decodeFrame('42/client,3["hello"]')).toMatchObject({ kind: 'event', id: 3, name: 'hello', args: [] });
    expect(decodeFrame('43/client,15["pong"]')).toEqual({ kind: 'ack', nsp: '/client', id: 15, args: ['pong'] });
    expect(decodeFrame('41/client,')).toEqual({ kind: 'disconnect', nsp: '/client' });
    expect(decodeFrame('42["main"]')).toMatchObject({ kind: 'event', nsp: '/', name: 'main' });
    expect(decodeFrame('42/client,{oops')).toMatchObject({ kind: 'invalid' });
    expect(decodeFrame('43/client,["no id"]')).toMatchObject({ kind: 'invalid' });
    expect(decodeFrame('9')).toMatchObject({ kind: 'invalid' });
    expect(decodeFrame('45/client,1-["bin",{"_placeholder":true,"num":0}]')).toMatchObject({ kind: 'invalid' });
  });

  it('sio-frames - a session answers pings, numbers acks and routes their answers', () => {
    const sent: string[] = [];
    const events: unknown[] = [];
    const session = createSession((f) => sent.push(f), { onEvent: (nsp, name, args, ack) => events.push([nsp, name, args, typeof ack]) });
    session.receive('2');
    expect(sent).toEqual(['3']);
    const answers: unknown[] = [];
    session.emitWithAck('/client', 'ping', [], (...args) => answers.push(args));
    session.emitWithAck('/client', 'ping', [], (...args) => answers.push(args));
    expect(sent.slice(1)).toEqual(['42/client,0["ping"]', '42/client,1["ping"]']);
    expect(session.pendingAcks()).toBe(2);
    session.receive('43/client,1["pong"]');
    expect(answers).toEqual([['pong']]);
    expect(session.pendingAcks()).toBe(1);
    session.receive('42/client,9["ask",1]');
    expect(events).toEqual([['/client', 'ask', [1], 'function']]);
  });
});
