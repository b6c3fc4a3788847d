import { describe, expect, it } from 'vitest';
import { createRandom } from '../../scripts/models/prng.ts';
import {
  defaultVersion,
  namedVersions,
  pickWeighted,
  type RoutingOptions,
  requestedVersion,
  servingVersion,
} from '../../src/registry/routing.ts';
import { catalogModel } from '../fixtures/catalog-models.ts';

const EAGER: RoutingOptions = { random: Math.random, lazy: false };

describe('routing by version number', () => {
  it('should serve a version number by that version', () => {
    const model = catalogModel('glyphs', { versions: [1, 2, 3], ready: [1, 2, 3] });
    expect(servingVersion(model, '2', EAGER).version).toBe(2);
  });

  it('should refuse a version that is not READY with MODEL_NOT_READY, naming its state and reason', () => {
    const model = catalogModel('glyphs', { versions: [1, 2], ready: [2] });
    model.versions[0]!.stateReason = 'unloaded by request';
    expect(requestedVersion(model, '1', EAGER)?.version).toBe(1);
    expect(() => servingVersion(model, '1', EAGER)).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_READY', message: 'model "glyphs" v1 is UNAVAILABLE: unloaded by request' }),
    );
  });

  it('should refuse a version the model lacks with MODEL_NOT_FOUND, naming its versions and aliases', () => {
    const model = catalogModel('glyphs', { versions: [1, 2], ready: [1, 2], config: { aliases: { stable: 1 } } });
    expect(() => servingVersion(model, '7', EAGER)).toThrow(
      expect.objectContaining({
        code: 'MODEL_NOT_FOUND',
        message: 'model "glyphs" has no version or alias "7" (versions: 1, 2; aliases: stable)',
      }),
    );
  });

  it('should refuse a model without versions with MODEL_NOT_FOUND, saying why', () => {
    const model = catalogModel('empty', { versions: [] });
    expect(() => servingVersion(model, undefined, EAGER)).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_FOUND', message: 'model "empty" has no version (no version folder)' }),
    );
  });
});

describe('routing by alias', () => {
  it('should serve an alias by the version it points at', () => {
    const model = catalogModel('glyphs', { versions: [1, 2], ready: [1, 2], config: { aliases: { stable: 1, canary: 2 } } });
    expect(servingVersion(model, 'stable', EAGER).version).toBe(1);
    expect(servingVersion(model, 'canary', EAGER).version).toBe(2);
  });

  it('should split a weighted alias by its weights, the same way for the same seed', () => {
    const model = catalogModel('glyphs', { versions: [1, 2], ready: [1, 2], config: { aliases: { split: { '1': 3, '2': 1 } } } });
    const served = (seed: number) => {
      const routing = { random: createRandom(seed).next, lazy: false };
      return Array.from({ length: 4000 }, () => servingVersion(model, 'split', routing).version);
    };
    const first = served(7);
    const share = first.filter((version) => version === 2).length / first.length;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.28);
    expect(served(7)).toEqual(first);
  });

  it('should send a weighted alias only to its READY targets', () => {
    const model = catalogModel('glyphs', { versions: [1, 2], ready: [2], config: { aliases: { split: { '1': 99, '2': 1 } } } });
    const routing = { random: createRandom(1).next, lazy: false };
    const served = Array.from({ length: 50 }, () => servingVersion(model, 'split', routing).version);
    expect(new Set(served)).toEqual(new Set([2]));
  });

  it('should name the first target of an alias none of whose targets is READY, and refuse it as not ready', () => {
    const model = catalogModel('glyphs', { versions: [1, 2], config: { aliases: { split: { '1': 1, '2': 1 } } } });
    expect(requestedVersion(model, 'split', EAGER)?.version).toBe(1);
    expect(() => servingVersion(model, 'split', EAGER)).toThrow(expect.objectContaining({ code: 'MODEL_NOT_READY' }));
  });

  it('should draw from the random source to split, a low draw to the first target and a high one to the last', () => {
    const target = [
      { version: 1, weight: 3 },
      { version: 2, weight: 1 },
    ];
    const always = () => true;
    expect(pickWeighted(target, always, () => 0.74)).toBe(1);
    expect(pickWeighted(target, always, () => 0.76)).toBe(2);
    expect(
      pickWeighted(
        target,
        () => false,
        () => 0.5,
      ),
    ).toBeNull();
  });
});

describe('routing a request that names no version', () => {
  it('should serve it by the alias default when there is one, not the highest version', () => {
    const model = catalogModel('glyphs', { versions: [1, 2], ready: [1, 2], config: { aliases: { default: 1 } } });
    expect(servingVersion(model, undefined, EAGER).version).toBe(1);
    expect(servingVersion(model, null, EAGER).version).toBe(1);
  });

  it('should split it by the weights of the alias default', () => {
    const model = catalogModel('glyphs', { versions: [1, 2, 3], ready: [1, 2, 3], config: { aliases: { default: { '1': 1, '2': 1 } } } });
    expect(servingVersion(model, undefined, { random: () => 0.25, lazy: false }).version).toBe(1);
    expect(servingVersion(model, undefined, { random: () => 0.75, lazy: false }).version).toBe(2);
  });

  it('should serve it by the highest READY version without the alias default', () => {
    const model = catalogModel('glyphs', { versions: [1, 2, 3], ready: [1, 2] });
    expect(servingVersion(model, undefined, EAGER).version).toBe(2);
  });

  it('should show as default the heaviest target of the alias default, else the highest READY, else the highest', () => {
    const weighted = catalogModel('glyphs', { versions: [1, 2, 3], ready: [3], config: { aliases: { default: { '1': 1, '2': 9 } } } });
    expect(defaultVersion(weighted)?.version).toBe(2);
    expect(defaultVersion(catalogModel('glyphs', { versions: [1, 2, 3], ready: [2] }))?.version).toBe(2);
    expect(defaultVersion(catalogModel('glyphs', { versions: [1, 2, 3] }))?.version).toBe(3);
  });

  it('should name the newest version the policy selects when loading is lazy and none is READY', () => {
    const config = { versionPolicy: { specific: [1, 2] } };
    const lazy = { random: Math.random, lazy: true };
    expect(requestedVersion(catalogModel('glyphs', { versions: [1, 2, 3], config }), undefined, lazy)?.version).toBe(2);
    expect(requestedVersion(catalogModel('glyphs', { versions: [1, 2, 3], config }), undefined, EAGER)?.version).toBe(3);
  });

  it('should prefer the highest READY version when loading is lazy', () => {
    const model = catalogModel('glyphs', { versions: [1, 2, 3], ready: [1], config: { versionPolicy: { all: true } } });
    expect(servingVersion(model, undefined, { random: Math.random, lazy: true }).version).toBe(1);
  });
});

describe('the versions an admin call names', () => {
  const model = catalogModel('glyphs', { versions: [1, 2, 3], config: { aliases: { pair: { '1': 1, '3': 1 } } } });
  const numbers = (requested: string | null) => namedVersions(model, requested).map((version) => version.version);

  it('should name every version when it names none, one by its number, and the targets of an alias', () => {
    expect(numbers(null)).toEqual([1, 2, 3]);
    expect(numbers('2')).toEqual([2]);
    expect(numbers('pair')).toEqual([1, 3]);
  });

  it('should refuse an unknown version or alias with MODEL_NOT_FOUND', () => {
    expect(() => numbers('canary')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
  });
});
