/**
 * The schema evolves without breaking clients: schema/schema.graphql, diffed against the last released schema
 * (schema/released.graphql) by @graphql-inspector/core, may add and deprecate, and may remove only what the release
 * already marked `@deprecated(reason: …)`.
 */
import { readFile } from 'node:fs/promises';
import { type Change, ChangeType, CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema, type GraphQLSchema, isEnumType, isInputObjectType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import sdkPackage from '../clients/sdk/package.json' with { type: 'json' };

const RELEASED = new URL('../schema/released.graphql', import.meta.url);
const CURRENT = new URL('../schema/schema.graphql', import.meta.url);

/** The deprecation reason the released schema gave what a change removes, if it gave one. */
function deprecationOf(released: GraphQLSchema, change: Change): string | null | undefined {
  const [typeName, name, argument] = (change.path ?? '').split('.');
  const type = typeName ? released.getType(typeName) : undefined;
  if (!type || !name) return undefined;
  if (change.type === ChangeType.EnumValueRemoved && isEnumType(type)) return type.getValue(name)?.deprecationReason;
  if (!isObjectType(type) && !isInputObjectType(type)) return undefined;
  const field = type.getFields()[name];
  if (change.type === ChangeType.FieldRemoved || change.type === ChangeType.InputFieldRemoved) return field?.deprecationReason;
  if (change.type === ChangeType.FieldArgumentRemoved && field && 'args' in field) {
    return field.args.find((candidate) => candidate.name === argument)?.deprecationReason;
  }
  return undefined;
}

/** The breaking changes from `released` to `current` that no deprecation announced: what would break a client. */
async function unannouncedBreakingChanges(released: string, current: string): Promise<string[]> {
  const before = buildSchema(released);
  const changes = await diff(before, buildSchema(current));
  return changes
    .filter((change) => change.criticality.level === CriticalityLevel.Breaking && !deprecationOf(before, change))
    .map((change) => change.message);
}

describe('schema evolution', () => {
  it('should break nothing a client of the last release uses (deprecate first, remove in a later release)', async () => {
    const [released, current] = await Promise.all([readFile(RELEASED, 'utf8'), readFile(CURRENT, 'utf8')]);
    expect(await unannouncedBreakingChanges(released, current)).toEqual([]);
  });

  it('should version the SDK with the released schema', async () => {
    const released = await readFile(RELEASED, 'utf8');
    expect(released).toMatch(new RegExp(`@infergraph/client ${sdkPackage.version.replaceAll('.', '\\.')}\\b`));
  });

  const RELEASE = `
    enum Kind { A B @deprecated(reason: "use A") }
    type Query {
      models(first: Int, after: String @deprecated(reason: "use first")): [String!]!
      model(name: String!): String
      legacy: String @deprecated(reason: "use model")
      kind: Kind
    }
    input Filter { name: String, old: String @deprecated(reason: "use name") }
    type Mutation { touch(filter: Filter): Boolean }
  `;

  it('should pass additions and deprecations, such as a new explain field', async () => {
    const grown = RELEASE.replace(
      'kind: Kind',
      'kind: Kind\n explain(model: String!): [Float!]!\n model2(name: String!): String @deprecated(reason: "new")',
    ).replace('enum Kind { A', 'enum Kind { A C');
    expect(await unannouncedBreakingChanges(RELEASE, grown)).toEqual([]);
  });

  it('should pass removing a field, argument, input field or enum value the release deprecated', async () => {
    const pruned = RELEASE.replace('legacy: String @deprecated(reason: "use model")', '')
      .replace(', after: String @deprecated(reason: "use first")', '')
      .replace(', old: String @deprecated(reason: "use name")', '')
      .replace(' B @deprecated(reason: "use A")', '');
    expect(await unannouncedBreakingChanges(RELEASE, pruned)).toEqual([]);
  });

  it('should fail removing or changing what the release did not deprecate', async () => {
    const broken = RELEASE.replace('model(name: String!): String', '').replace('kind: Kind', 'kind: String');
    expect(await unannouncedBreakingChanges(RELEASE, broken)).toEqual([
      expect.stringContaining("'model' was removed"),
      expect.stringContaining("'Query.kind' changed type"),
    ]);
  });
});
