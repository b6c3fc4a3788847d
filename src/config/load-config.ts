/** Reads the settings from flags and environment, once, into a typed config; and builds one for tests. */
import { parseArgs } from 'node:util';
import { isSetting, type Setting, type Settings, settingsOf, type ValuesOf } from './setting.ts';
import { settings } from './settings.ts';

/** The server's configuration: one value per entry of `settings.ts`, under the same keys and groups. */
export type Config = ValuesOf<typeof settings>;

/** The `batching` group: what every model gets unless its model.json says otherwise. */
export type BatchingDefaults = Config['batching'];

/** Any settings of a config, a group's settings each on their own. */
type Overrides<S extends Settings> = {
  [K in keyof S]?: S[K] extends Setting<infer T> ? T : S[K] extends Settings ? Overrides<S[K]> : never;
};

/**
 * The only reader of flags and environment: flags win over variables, both are checked once here, and a bad
 * value stops the server with a message naming the setting, its flag and its variable.
 */
export function loadConfig(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config {
  return readSettings(settings, argv, env);
}

/** A complete config for tests and embedding: the defaults, with `overrides` on top, group by group. */
export function defineConfig(overrides: Overrides<typeof settings> = {}): Config {
  return withOverrides(settings, loadConfig([], {}), overrides);
}

/** Reads any table of settings; every bad value is reported at once, one line each. */
export function readSettings<S extends Settings>(table: S, argv: readonly string[], env: NodeJS.ProcessEnv): ValuesOf<S> {
  const entries = [...settingsOf(table)];
  const byFlag = new Map(entries.flatMap(({ setting }) => setting.flags.map((flag) => [flag, setting] as const)));
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries([...byFlag.keys()].map((flag) => [flag, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
    tokens: true,
  });
  // The last flag given wins, an alias as much as the flag itself.
  const flagged = new Map<Setting<unknown>, Given>();
  for (const token of tokens) {
    if (token.kind === 'option') flagged.set(byFlag.get(token.name)!, { text: token.value ?? '', from: token.rawName });
  }

  const values = new Map<Setting<unknown>, unknown>();
  const problems: string[] = [];
  for (const { path, setting } of entries) {
    const variable = env[setting.env];
    const given = flagged.get(setting) ?? (variable === undefined ? undefined : { text: variable, from: setting.env });
    if (given === undefined) {
      values.set(setting, setting.defaultValue());
      continue;
    }
    const parsed = setting.schema.safeParse(given.text);
    if (parsed.success) values.set(setting, parsed.data);
    else problems.push(problemOf(path, setting, given, parsed.error.issues));
  }
  if (problems.length > 0) throw new Error(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  return shaped(table, values) as ValuesOf<S>;
}

/** The text of a setting as given, and where: `--port` or `PORT`. */
interface Given {
  text: string;
  from: string;
}

/** `batching.maxBatchSize (--max-batch-size N, MAX_BATCH_SIZE) is "0" from MAX_BATCH_SIZE: Too small: ...` */
function problemOf(path: string[], setting: Setting<unknown>, given: Given, issues: readonly { message: string }[]): string {
  let reason = issues.map((issue) => issue.message).join('; ');
  // zod's own messages do not quote the input, but a refinement's may.
  if (setting.secret && given.text !== '') reason = reason.replaceAll(given.text, '(hidden)');
  const value = setting.secret ? 'a hidden value' : JSON.stringify(given.text);
  return `${path.join('.')} (--${setting.flags[0]} ${setting.placeholder}, ${setting.env}) is ${value} from ${given.from}: ${reason}`;
}

/** The table's shape with each setting's value in its place: a group becomes a nested object. */
function shaped(table: Settings, values: ReadonlyMap<Setting<unknown>, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table).map(([key, entry]) => [key, isSetting(entry) ? values.get(entry) : shaped(entry, values)]),
  );
}

function withOverrides<S extends Settings>(table: S, base: ValuesOf<S>, overrides: Overrides<S>): ValuesOf<S> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, entry] of Object.entries(table)) {
    if (!Object.hasOwn(overrides, key)) continue;
    const override = (overrides as Record<string, unknown>)[key];
    merged[key] = isSetting(entry) ? override : withOverrides(entry, merged[key] as ValuesOf<Settings>, override as Overrides<Settings>);
  }
  return merged as ValuesOf<S>;
}
