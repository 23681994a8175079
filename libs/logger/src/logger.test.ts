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
