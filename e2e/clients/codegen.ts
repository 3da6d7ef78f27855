// graphql-codegen as the README's "Clients" section sets it up: the
// schema's types in one file, and in another each operation's types with a
// typed document that Apollo Client, urql and graphql-request accept.
// typescript-operations 6 declares the enums an operation uses itself, so
// the `typescript` plugin writes to a file of its own: in the same file
// both would declare each enum, which tsc refuses.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema/*.graphql',
  documents: 'operations/*.graphql',
  config: {
    // Time is an RFC 3339 string; an unmapped scalar is an error.
    strictScalars: true,
    scalars: { Time: 'string' },
    useTypeImports: true,
  },
  generates: {
    'generated/schema.ts': { plugins: ['typescript'] },
    'generated/graphql.ts': { plugins: ['typescript-operations', 'typed-document-node'] },
  },
};

export default config;
