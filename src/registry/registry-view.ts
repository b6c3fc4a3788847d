/**
 * A view of the registry for a caller who may see only some models (an API key or a token with a
 * model allow list). The registry learns of this only as a filter on names: it knows no keys.
 */
import { modelNotFound } from './catalog.ts';
import type { ModelRegistry } from './model-registry.ts';

/**
 * The registry with the models `visible` rejects taken out: absent from lists and events, and a
 * name of one answers exactly as a name that does not exist, its message listing only visible models.
 */
export function viewOf(registry: ModelRegistry, visible: (name: string) => boolean): ModelRegistry {
  const list = () => registry.list().filter((model) => visible(model.name));
  /** Throws for a name the caller may not see, before the registry would answer differently for it. */
  const check = (name: string): string => {
    if (!visible(name) || !registry.get(name)) {
      throw modelNotFound(
        name,
        list().map((model) => model.name),
      );
    }
    return name;
  };

  const view: ModelRegistry = {
    start: () => registry.start(),
    get started() {
      return registry.started;
    },
    list,
    get: (name) => (visible(name) ? registry.get(name) : undefined),
    resolve: (name, version) => registry.resolve(check(name), version),
    acquire: async (name, version) => registry.acquire(check(name), version),
    memoryInUse: () => registry.memoryInUse(),
    defaultVersion: (model) => registry.defaultVersion(model),
    load: async (name, version) => registry.load(check(name), version),
    unload: async (name, version) => registry.unload(check(name), version),
    reload: async (name, version) => registry.reload(check(name), version),
    setAlias: async (name, alias, target) => registry.setAlias(check(name), alias, target),
    rollbackAlias: async (name, alias) => registry.rollbackAlias(check(name), alias),
    adoptAliases: async (name) => registry.adoptAliases(check(name)),
    rescan: async () => (await registry.rescan()).filter((model) => visible(model.name)),
    refresh: (names) => registry.refresh(new Set([...names].filter(visible))),
    onEvent: (listener) =>
      registry.onEvent((event) => {
        if (visible(event.model)) listener(event);
      }),
    isVisible: (name) => visible(name) && registry.isVisible(name),
    viewFor: (narrower) => viewOf(view, narrower),
    // A view owns nothing: the registry's lifetime is the app's.
    close: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
  return view;
}
