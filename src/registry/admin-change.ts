/**
 * An admin change one replica made (load, unload, reload, an alias move, a rescan), as it tells the
 * others, and how a replica applies one it is told of. The repository is the one source of
 * configuration: the replica that made the change wrote what must last (aliases, into model.json)
 * before telling, so the others read it from there rather than from the message.
 */
import { z } from 'zod';
import type { ModelRegistry } from './model-registry.ts';

const ADMIN_ACTIONS = ['load', 'unload', 'reload', 'aliases', 'rescan'] as const;

export const adminChangeSchema = z.object({
  /** The replica that made the change: it does not apply it again. */
  replica: z.string(),
  action: z.enum(ADMIN_ACTIONS),
  /** Absent for a rescan. */
  model: z.string().optional(),
  /** A version number or an alias, as the mutation was given it; absent for every version. */
  version: z.string().optional(),
});

export type AdminChange = z.infer<typeof adminChangeSchema>;

/** Does on this replica what another replica did: the same registry call, with the same arguments. */
export async function applyAdminChange(registry: ModelRegistry, { action, model, version }: AdminChange): Promise<void> {
  if (action === 'rescan') {
    await registry.rescan();
    return;
  }
  if (model === undefined) return;
  if (action === 'aliases') await registry.adoptAliases(model);
  else await registry[action](model, version);
}
