import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AliasTarget, aliasTargetOf, checkAlias, createAliasEditor } from '../../src/registry/aliases.ts';
import { catalogModel } from '../fixtures/catalog-models.ts';
import { createTempRepository } from '../fixtures/repository.ts';

const one = (version: number, weight = 1): AliasTarget => [{ version, weight }];

describe('checking an alias target', () => {
  const model = catalogModel('glyphs', { versions: [1, 2] });

  it('should accept a name that starts with a letter, pointing at versions the model has with positive weights', () => {
    expect(() => checkAlias(model, 'canary-2_b', [...one(1, 0.5), ...one(2, 3)])).not.toThrow();
  });

  it.each(['1st', '-x', 'two words', ''])('should refuse the name %j with INVALID_ARGUMENT', (name) => {
    const message = `alias "${name}" must start with a letter and hold only letters, digits, _ and -`;
    expect(() => checkAlias(model, name, one(1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message }));
  });

  it('should refuse an alias that points at no version', () => {
    const message = 'alias "empty" of model "glyphs" needs at least one version';
    expect(() => checkAlias(model, 'empty', [])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message }));
  });

  it.each([0, -1, Number.NaN])('should refuse the weight %d, naming the version', (weight) => {
    const message = `alias "split" of model "glyphs": the weight of version 2 must be positive, got ${weight}`;
    expect(() => checkAlias(model, 'split', [...one(1), ...one(2, weight)])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message }),
    );
  });

  it('should refuse a version the model does not have with MODEL_NOT_FOUND', () => {
    expect(() => checkAlias(model, 'stable', one(3))).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('has no version or alias "3" (versions: 1, 2') }),
    );
  });
});

describe('alias targets as model.json says them', () => {
  it('should read a bare version number as that version with all the traffic', () => {
    expect(aliasTargetOf(2)).toEqual([{ version: 2, weight: 1 }]);
  });

  it('should read a map of versions to weights as those versions with those weights', () => {
    expect(aliasTargetOf({ '1': 90, '2': 10 })).toEqual([
      { version: 1, weight: 90 },
      { version: 2, weight: 10 },
    ]);
  });
});

describe('editing aliases', () => {
  it('should write each change into model.json, keeping its other fields, and roll back to the previous target', async () => {
    await using repository = await createTempRepository();
    await repository.write('glyphs/model.json', JSON.stringify({ description: 'kept', aliases: { stable: 1 } }));
    const model = catalogModel('glyphs', { versions: [1, 2], root: repository.root, config: { aliases: { stable: 1 } } });
    const onDisk = async () => JSON.parse(await readFile(join(repository.root, 'glyphs', 'model.json'), 'utf8')) as unknown;
    const aliases = createAliasEditor();

    await aliases.set(model, 'stable', one(2));
    await aliases.set(model, 'split', [...one(1, 3), ...one(2, 1)]);
    expect(await onDisk()).toEqual({ description: 'kept', aliases: { stable: 2, split: { '1': 3, '2': 1 } } });
    expect(model.aliasHistory.get('stable')).toEqual([one(1)]);

    await aliases.rollback(model, 'stable');
    expect(await onDisk()).toEqual({ description: 'kept', aliases: { stable: 1, split: { '1': 3, '2': 1 } } });
    expect(model.aliasHistory.get('stable')).toEqual([]);
  });

  it('should refuse a target it cannot take, or a rollback with no earlier target, changing nothing', async () => {
    await using repository = await createTempRepository();
    const model = catalogModel('glyphs', { versions: [1], root: repository.root, config: { aliases: { stable: 1 } } });
    const aliases = createAliasEditor();

    await expect(aliases.set(model, 'stable', one(1, 0))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(aliases.rollback(model, 'stable')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'alias "stable" of model "glyphs" has no earlier target to roll back to',
    });
    expect(model.aliases.get('stable')).toEqual(one(1));
    expect(model.aliasHistory.size).toBe(0);
    await expect(readFile(join(repository.root, 'glyphs', 'model.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
