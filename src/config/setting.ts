/** One setting of the server (flag, variable, check, default, words), and the config type a table of them yields. */
import type { z } from 'zod';

const SETTING = Symbol('setting');

/** One entry of the table in `settings.ts`: everything the server, `--help` and the README know of a setting. */
export interface SettingOptions<T> {
  /** The flag as `--help` shows it: its name, a space, what its value is. @example '--port N' */
  flag: `--${string} ${string}`;
  /** More flags that mean the same, kept for people who already type them. @default [] */
  aliases?: readonly `--${string}`[];
  /** The environment variable; the flag wins when both are given. @example 'PORT' */
  env: string;
  /** What it is, in a few words, with its unit: one line of `--help` and one row of the README. */
  description: string;
  /** Checks the text of the flag or variable into the value; a list comes as one comma-separated text. */
  schema: z.ZodType<T>;
  /** How the default reads to people. @default String, e.g. `formatBytes` for '64 MiB' */
  format?: (value: T) => string;
  /** Its value is never printed: not in messages, not in `--help`. For keys, passwords, URLs with credentials. @default false */
  secret?: boolean;
  /** What leaving an optional setting unset means, as `--help` shows it. @default 'not set' */
  unsetText?: string;
}

/**
 * The value when neither the flag nor the variable is given. It is not checked by `schema`, as with zod's
 * `.default()`. A function is called at load time (one per core), and `defaultText` then says what it means.
 */
type Default<T> = { default: T; defaultText?: string } | { default: () => T; defaultText: string };

/** A setting, ready for the loader and for `--help`; `setting()` makes one from its entry. */
export interface Setting<T> {
  readonly [SETTING]: true;
  /** Its flags without the dashes, its own first: `['model-repository', 'models']`. */
  readonly flags: readonly string[];
  /** What its value is: 'N', 'DIR', 'true|false'. */
  readonly placeholder: string;
  readonly env: string;
  readonly description: string;
  readonly schema: z.ZodType<T>;
  readonly secret: boolean;
  /** Its value when not given: the default, or undefined for an optional setting. */
  defaultValue(): T;
  /** How `--help` and the README show the default. */
  readonly defaultText: string;
}

/** A table of settings. A nested table is a group, and becomes a nested object of the config (`batching`). */
export interface Settings {
  readonly [key: string]: Setting<unknown> | Settings;
}

/** The config a table yields: each setting's value under its key, each group a nested object. */
export type ValuesOf<S extends Settings> = {
  -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : S[K] extends Settings ? ValuesOf<S[K]> : never;
};

/** A setting with a default is always set; one without is optional, and undefined when not given. */
export function setting<T>(options: SettingOptions<T> & Default<NoInfer<T>>): Setting<T>;
export function setting<T>(options: SettingOptions<T>): Setting<T | undefined>;
export function setting<T>(options: SettingOptions<T> & Partial<Default<T>>): Setting<T | undefined> {
  const {
    flag,
    aliases = [],
    env,
    description,
    schema,
    format = String,
    secret = false,
    unsetText = 'not set',
    default: fallback,
    defaultText,
  } = options;
  const space = flag.indexOf(' ');
  const defaultValue = typeof fallback === 'function' ? (fallback as () => T) : () => fallback;
  return {
    [SETTING]: true,
    flags: [flag.slice(2, space), ...aliases.map((alias) => alias.slice(2))],
    placeholder: flag.slice(space + 1),
    env,
    description,
    schema,
    secret,
    defaultValue,
    defaultText: fallback === undefined ? unsetText : secret ? 'hidden' : (defaultText ?? format(fallback as T)),
  };
}

/** Each setting of a table with the keys that lead to it, groups in place, in the table's order. */
export function* settingsOf(table: Settings, path: readonly string[] = []): Generator<{ path: string[]; setting: Setting<unknown> }> {
  for (const [key, entry] of Object.entries(table)) {
    if (isSetting(entry)) yield { path: [...path, key], setting: entry };
    else yield* settingsOf(entry, [...path, key]);
  }
}

export function isSetting(entry: Setting<unknown> | Settings): entry is Setting<unknown> {
  return SETTING in entry;
}
