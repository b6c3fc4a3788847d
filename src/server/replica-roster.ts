/**
 * The replicas that share this Redis, as this one knows them: each says on the bus, every
 * `intervalMs`, that it is there and whether it is ready, and says goodbye when it shuts down; one
 * not heard from for three intervals (killed, cut off) is dropped. What `health.replicas` lists.
 */
import { z } from 'zod';
import type { ServerEvents } from '../graphql/context.ts';
import type { ReplicaHealth } from '../health/read-health.ts';
import type { EventBus } from '../streaming/event-bus.ts';

export const replicaStatusSchema = z.object({
  replica: z.string(),
  /** False in the goodbye of a replica shutting down, and while one is not ready. */
  ready: z.boolean(),
  /** True in a goodbye: the others drop it at once. */
  leaving: z.boolean(),
  at: z.number(),
});

export type ReplicaStatus = z.infer<typeof replicaStatusSchema>;

export interface ReplicaRosterOptions {
  bus: EventBus<ServerEvents>;
  replica: string;
  /** This replica's readiness now. */
  ready: () => boolean;
  /** @default 2000 */
  intervalMs?: number;
  /** @default Date.now */
  now?: () => number;
}

export interface ReplicaRoster {
  /** Every replica heard from lately, this one included, by name. */
  list(): ReplicaHealth[];
  /** Says at once that this replica is there: call it when the link to Redis comes up, since what is published while it is down is lost. */
  announce(): void;
  /** Says goodbye and stops. */
  close(): Promise<void>;
}

export function createReplicaRoster({ bus, replica, ready, intervalMs = 2000, now = Date.now }: ReplicaRosterOptions): ReplicaRoster {
  const others = new Map<string, ReplicaHealth>();
  const announce = (leaving = false) => bus.publish('replica-status', { replica, ready: !leaving && ready(), leaving, at: now() });

  const statuses = bus.subscribe('replica-status');
  const listening = (async () => {
    for await (const status of statuses) {
      if (status.replica === replica) continue;
      if (status.leaving) {
        others.delete(status.replica);
        continue;
      }
      const known = others.has(status.replica);
      others.set(status.replica, { name: status.replica, ready: status.ready, seenAt: now() });
      // A newcomer learns of this replica at once rather than at its next beat.
      if (!known) announce();
    }
  })();
  const beat = setInterval(() => announce(), intervalMs);
  beat.unref();
  announce();

  return {
    list() {
      const oldest = now() - 3 * intervalMs;
      for (const [name, entry] of others) if (entry.seenAt < oldest) others.delete(name);
      const self: ReplicaHealth = { name: replica, ready: ready(), seenAt: now() };
      return [self, ...others.values()].sort((a, b) => a.name.localeCompare(b.name));
    },
    announce: () => announce(),
    async close() {
      clearInterval(beat);
      announce(true);
      await statuses.return?.();
      await listening;
    },
  };
}
