import { describe, expect, it } from 'vitest';
import { createSessionDeadlines } from './session-deadlines.js';

/** A clock the test moves by hand: nothing here waits on real time. */
const fakeClock = (startSeconds: number) => {
  let ms = startSeconds * 1000;
  return { now: () => ms, advance: (seconds: number) => void (ms += seconds * 1000) };
};

const setup = (startSeconds = 1_000_000) => {
  const clock = fakeClock(startSeconds);
  const fired: string[] = [];
  const items = new Map<string, { name: string }>();
  const item = (name: string) => items.get(name) ?? (items.set(name, { name }), items.get(name)!);
  const deadlines = createSessionDeadlines<{ name: string }>({ now: clock.now, onDue: (i) => fired.push(i.name) });
  return { clock, fired, item, deadlines, t0: startSeconds };
};

describe('session deadlines', () => {
  it('hands an item to onDue at the sweep of its second, once, and not before', () => {
    const { clock, fired, item, deadlines, t0 } = setup();
    deadlines.set(item('a'), t0 + 3);
    deadlines.set(item('b'), t0 + 5);
    deadlines.sweep();
    clock.advance(2);
    deadlines.sweep();
    expect(fired).toEqual([]);
    clock.advance(1);
    deadlines.sweep();
    expect(fired).toEqual(['a']);
    clock.advance(1);
    deadlines.sweep();
    expect(fired).toEqual(['a']);
    clock.advance(1);
    deadlines.sweep();
    deadlines.sweep();
    expect(fired).toEqual(['a', 'b']);
    expect(deadlines.size).toBe(0);
  });

  it('a deadline already passed is due at the next sweep', () => {
    const { fired, item, deadlines, t0 } = setup();
    deadlines.sweep();
    deadlines.set(item('late'), t0 - 100);
    deadlines.sweep();
    expect(fired).toEqual(['late']);
  });

  it('moving a deadline keeps one entry; removing it (or undefined) means it never fires', () => {
    const { clock, fired, item, deadlines, t0 } = setup();
    deadlines.set(item('moved'), t0 + 1);
    deadlines.set(item('moved'), t0 + 10);
    deadlines.set(item('gone'), t0 + 1);
    deadlines.delete(item('gone'));
    deadlines.set(item('cleared'), t0 + 1);
    deadlines.set(item('cleared'), undefined);
    expect(deadlines.size).toBe(1);
    expect(deadlines.deadlineOf(item('moved'))).toBe(t0 + 10);
    clock.advance(5);
    deadlines.sweep();
    expect(fired).toEqual([]);
    clock.advance(5);
    deadlines.sweep();
    expect(fired).toEqual(['moved']);
  });

  it('after a long pause every due item fires at the first sweep, later ones stay', () => {
    const { clock, fired, item, deadlines, t0 } = setup();
    for (let i = 1; i <= 50; i++) deadlines.set(item(`s${i}`), t0 + i * 60);
    clock.advance(25 * 60 + 30);
    deadlines.sweep();
    expect(fired).toHaveLength(25);
    expect(deadlines.size).toBe(25);
    clock.advance(10 * 24 * 3600);
    deadlines.sweep();
    expect(fired).toHaveLength(50);
  });

  it('onDue may register the item again (a deadline moved meanwhile)', () => {
    const { clock, item, deadlines, t0 } = setup();
    const seen: number[] = [];
    const again = createSessionDeadlines<{ name: string }>({
      now: clock.now,
      onDue: (i) => {
        seen.push(clock.now() / 1000);
        if (seen.length === 1) again.set(i, t0 + 4);
      },
    });
    again.set(item('x'), t0 + 2);
    clock.advance(2);
    again.sweep();
    expect(again.deadlineOf(item('x'))).toBe(t0 + 4);
    clock.advance(2);
    again.sweep();
    expect(seen).toEqual([t0 + 2, t0 + 4]);
    expect(deadlines.size).toBe(0);
  });
});
