#!/usr/bin/env node
// In a checkout, the TypeScript sources through tsx, so `npx infergraph` runs what is there without a build step
// (a dist/ left from an earlier build could be stale). Where there are no sources, as in the container image,
// the compiled server that `npm run build` wrote into dist/.
import { existsSync } from 'node:fs';

const sources = new URL('../src/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
