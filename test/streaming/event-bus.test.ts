/**
 * The in-process event bus: what a subscriber gets, and what a subscriber that stops reading costs
 * (regression: yoga's pub/sub threw from the publisher once one subscriber left 1024 events
 * unread, an uncaught exception that ended the server).
 */
import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../src/streaming/event-bus.ts';

async function drain<T>(iterator: AsyncIterableIterator<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterator) values.push(value);
  return values;
}

describe('createEventBus', () => {
  it('should deliver events published after subscribe, before the first read', async () => {
    const bus = createEventBus<{ tick: number }>();
    const ticks = bus.subscribe('tick');
    bus.publish('tick', 1);
    bus.publish('tick', 2);
    expect((await ticks.next()).value).toBe(1);
    expect((await ticks.next()).value).toBe(2);
    await ticks.return?.();
    // Returned: it listens no more.
    bus.publish('tick', 3);
    expect((await ticks.next()).done).toBe(true);
  });

  it('should end a subscription that leaves 1000 events unread, after those, and leave the publisher and the others alone', async () => {
    const overflowed: string[] = [];
    const bus = createEventBus<{ tick: number }>({ onOverflow: (topic) => overflowed.push(topic) });
    const stalled = bus.subscribe('tick');
    // It reads one event, then stops, as a client whose socket stopped draining.
    const first = stalled.next();
    const reader = bus.subscribe('tick');
    const read = (async () => {
      const values: number[] = [];
      for (;;) {
        const { value, done } = await reader.next();
        if (done) return values;
        values.push(value);
        if (values.length === 1500) return values;
      }
    })();
    for (let tick = 0; tick < 1500; tick++) {
      bus.publish('tick', tick);
      // The reader reads as events come; the stalled subscriber never does.
      await Promise.resolve();
    }
    expect(await read).toEqual(Array.from({ length: 1500 }, (_, tick) => tick));
    expect(overflowed).toEqual(['tick']);
    expect((await first).value).toBe(0);
    expect(await drain(stalled)).toEqual(Array.from({ length: 1000 }, (_, tick) => tick + 1));
    await reader.return?.();
  });
});
