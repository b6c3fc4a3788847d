import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The typed SDK: `npm run codegen` reads the printed schema and the operations in
 * clients/operations and writes typed documents to clients/sdk (committed, like the schema).
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['clients/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false,
  generates: {
    'clients/sdk/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { TensorData: 'Array<number | string | boolean>', File: 'Blob' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
