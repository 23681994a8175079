import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.js';

describe('logger', () => {
  it('logger - JSON lines with service and level; secrets are redacted', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ service: 'svc', level: 'info', destination });
    logger.info({ api_key: 'sbk_secret', auth: { admin_token: 'sba.x.y' }, req: { headers: { authorization: 'Bearer z' } } }, 'hello');
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'info', service: 'svc', msg: 'hello', api_key: '[redacted]' });
    expect(lines[0]).not.toContain('sbk_secret');
    expect(lines[0]).not.toContain('sba.x.y');
    expect(lines[0]).not.toContain('Bearer z');
  });
});

describe('logger format', () => {
  const capture = () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter((line: string) => line !== ''));
        done();
      },
    });
    return { lines, destination };
  };

  it('logger - pretty: one human-readable line per entry, level name, component and fields; secrets still redacted', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: 'svc', level: 'info', format: 'pretty', destination });
    logger.child({ component: 'gateway' }).info({ port: 3000, api_key: 'sbk_secret' }, 'listening');
    logger.warn('careful');
    expect(lines).toHaveLength(2);
    expect(() => JSON.parse(lines[0]!)).toThrow();
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway: listening \{.*"port":3000.*\}$/);
    expect(lines[0]).toContain('[redacted]');
    expect(lines[0]).not.toContain('sbk_secret');
    expect(lines[0]).not.toContain('\u001b['); // no colours when not writing to a terminal
    expect(lines[1]).toMatch(/WARN: careful$/);
  });

  it('logger - json is the default format', () => {
    const { lines, destination } = capture();
    createLogger({ service: 'svc', destination }).info('hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', service: 'svc', msg: 'hello' });
  });
});
