/**
 * Applies on this replica the admin changes other replicas announce on the bus (admin-change.ts),
 * one after another in the order they came, so that a load then an unload end unloaded here too.
 */
import type { ServerEvents } from '../graphql/context.ts';
import type { Logger } from '../observability/logger.ts';
import { applyAdminChange } from '../registry/admin-change.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { EventBus } from '../streaming/event-bus.ts';

export interface AdminChangeFollowerOptions {
  bus: EventBus<ServerEvents>;
  registry: ModelRegistry;
  /** This replica: the changes it announced itself are already applied. */
  replica: string;
  /** Settles once the first scan of the repository has: a change waits for it, as a request would. */
  started: Promise<unknown>;
  logger: Logger;
}

export interface AdminChangeFollower {
  /** Stops following; resolves once the change being applied, if any, is done. */
  close(): Promise<void>;
}

export function followAdminChanges({ bus, registry, replica, started, logger }: AdminChangeFollowerOptions): AdminChangeFollower {
  const changes = bus.subscribe('admin-changes');
  const following = (async () => {
    for await (const change of changes) {
      if (change.replica === replica) continue;
      await started;
      try {
        await applyAdminChange(registry, change);
        logger.info({ change }, 'applied an admin change of another replica');
      } catch (error) {
        // Such as a model this replica's repository lacks: its own catalog says what it serves.
        logger.warn({ change, err: error }, 'cannot apply an admin change of another replica');
      }
    }
  })();
  return {
    async close() {
      await changes.return?.();
      await following;
    },
  };
}
