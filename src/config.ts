/** The server's configuration, read once from flags and environment; each setting is declared in config/settings.ts. */
export { type BatchingDefaults, type Config, defineConfig, loadConfig } from './config/load-config.ts';
export { USAGE } from './config/usage.ts';
