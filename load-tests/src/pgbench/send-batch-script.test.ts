import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parsePgbench } from './run-pgbench.js';
import { sendBatchScript } from './send-batch-script.js';

describe('pgbench send batch', () => {
  it('script - the committed 16-message script is the generator output', async () => {
    const committed = await readFile(new URL('../../pgbench/send-batch-16.pgbench', import.meta.url), 'utf8');
    expect(committed).toBe(sendBatchScript(16));
  });

  it('script - one statement per part of the batch, with one value row per message', () => {
    const script = sendBatchScript(3);
    expect(script.match(/^\\set c\d+ /gm)).toHaveLength(3);
    expect(script).toContain("from conversations where id in (':c1', ':c2', ':c3') order by id for update;");
    expect(script.match(/\(':m\d+', ':c\d+', :s\d+, ':l\d+', ':body', ':sender', :s\d+, ':sender_id', null\)/g)).toHaveLength(3);
    expect(script.trim().split('\n').at(-1)).toBe('commit;');
    expect(() => sendBatchScript(0)).toThrow();
  });

  it('output - reads the summary of pgbench 15', () => {
    const output = [
      'number of transactions actually processed: 1537',
      'number of failed transactions: 2 (0.130%)',
      'latency average = 25.713 ms',
      'initial connection time = 12.1 ms',
      'tps = 155.563210 (without initial connection time)',
    ].join('\n');
    const result = parsePgbench(output, { batch: 16, clients: 4, seconds: 10 });
    expect(result).toMatchObject({ transactions: 1537, failed: 2, latencyAverageMs: 25.713, transactionsPerSecond: 155.56321 });
    expect(result.messagesPerSecond).toBeCloseTo(155.56321 * 16);
    expect(() => parsePgbench('nothing', { batch: 1, clients: 1, seconds: 1 })).toThrow(/unexpected pgbench output/);
  });
});
