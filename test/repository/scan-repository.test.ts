import { describe, expect, it } from 'vitest';
import { scanRepository } from '../../src/repository/scan-repository.ts';
import { createTempRepository } from '../fixtures/repository.ts';

describe('scanRepository', () => {
  it('should read versions, model.json and labels of a well-formed model', async () => {
    await using repository = await createTempRepository();
    await repository.write('good/model.json', JSON.stringify({ description: 'd', maxBatchSize: 8, batchDim: null }));
    await repository.write('good/labels.txt', 'cat\ndog\n');
    await repository.write('good/1/model.onnx', 'x');
    await repository.write('good/10/model.onnx', 'x');
    await repository.write('good/2/model.onnx', 'x');
    await repository.write('good/notes/readme.txt', 'not a version');
    const [model] = await scanRepository(repository.root);
    expect(model).toMatchObject({
      name: 'good',
      error: null,
      labels: ['cat', 'dog'],
      config: { description: 'd', maxBatchSize: 8, batchDim: null },
    });
    expect(model!.versions.map((version) => [version.version, version.error])).toEqual([
      [1, null],
      [2, null],
      [10, null],
    ]);
  });

  it('should name the file and the problem for each broken model, and still list the others', async () => {
    await using repository = await createTempRepository();
    await repository.write('bad-json/model.json', '{ "maxBatchSize": ');
    await repository.write('bad-json/1/model.onnx', 'x');
    await repository.write('bad-field/model.json', JSON.stringify({ maxBatchSize: -3 }));
    await repository.write('bad-field/1/model.onnx', 'x');
    await repository.write('unknown-field/model.json', JSON.stringify({ maxBatchSise: 3 }));
    await repository.write('unknown-field/1/model.onnx', 'x');
    await repository.write('missing-file/1/other.onnx', 'x');
    await repository.write('empty-file/1/model.onnx', '');
    await repository.write('no-versions/labels.txt', 'a');
    await repository.write('missing-labels/model.json', JSON.stringify({ labels: 'classes.txt' }));
    await repository.write('missing-labels/1/model.onnx', 'x');
    await repository.write('fine/1/model.onnx', 'x');

    const models = Object.fromEntries((await scanRepository(repository.root)).map((model) => [model.name, model]));
    expect(models['bad-json']!.error).toMatch(/bad-json\/model\.json is not valid JSON/);
    expect(models['bad-field']!.error).toMatch(/bad-field\/model\.json is invalid: .*maxBatchSize/);
    expect(models['unknown-field']!.error).toMatch(/unknown-field\/model\.json is invalid: .*maxBatchSise/);
    expect(models['missing-file']!.versions[0]!.error).toMatch(/missing-file\/1\/model\.onnx is missing/);
    expect(models['empty-file']!.versions[0]!.error).toMatch(/empty-file\/1\/model\.onnx is empty/);
    expect(models['no-versions']!.error).toMatch(/no-versions has no version folder/);
    expect(models['missing-labels']!.error).toMatch(/missing-labels\/classes\.txt is missing/);
    expect(models.fine).toMatchObject({ error: null, versions: [{ version: 1, error: null }] });
  });
});
