import type { FailOpen, WindowCounter } from '@switchboard/runtime';

/** The 401 counter, counting nothing and allowing everything while its store fails. */
export function failureCounterFailingOpen(counter: WindowCounter, failOpen: FailOpen): WindowCounter {
  const none = { count: 0, resetMs: 0 };
  return {
    hit: (key) => failOpen.run('auth_failures', () => counter.hit(key), none),
    peek: (key) => failOpen.run('auth_failures', () => counter.peek(key), none),
  };
}
