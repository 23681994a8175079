import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingDebouncer } from './typing-debouncer.js';

describe('typing debouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('typing - one start at most every 2 s while keys are pressed, a stop after 3 s idle', () => {
    const sent: [string, boolean][] = [];
    const typing = new TypingDebouncer((c, t) => sent.push([c, t]));
    for (let i = 0; i < 25; i++) {
      typing.typing('c1'); // a keystroke every 200 ms for 5 s
      vi.advanceTimersByTime(200);
    }
    expect(sent.filter(([, t]) => t)).toHaveLength(3); // at 0, 2 s, 4 s
    expect(sent.filter(([, t]) => !t)).toHaveLength(0);
    vi.advanceTimersByTime(3000);
    expect(sent.at(-1)).toEqual(['c1', false]);
    expect(sent.filter(([, t]) => !t)).toHaveLength(1);
  });

  it('typing - stop() sends the stop at once (on send), and only once', () => {
    const sent: [string, boolean][] = [];
    const typing = new TypingDebouncer((c, t) => sent.push([c, t]));
    typing.typing('c1');
    typing.stop('c1');
    typing.stop('c1');
    vi.advanceTimersByTime(5000);
    expect(sent).toEqual([
      ['c1', true],
      ['c1', false],
    ]);
  });
});
