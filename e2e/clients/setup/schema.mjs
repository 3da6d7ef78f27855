// The schema as the clients' setups need it, read from the repository's
// schema/ files (the same SDL the server is generated from), so that a
// schema change reaches every client's configuration.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, introspectionFromSchema, isInterfaceType, isUnionType } from 'graphql';

// schemaSDL joins every schema/*.graphql file.
export function schemaSDL(schemaDir) {
  return readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(schemaDir, f), 'utf8'))
    .join('\n');
}

// possibleTypesOf lists the object types of every interface and union, the
// map Apollo's InMemoryCache takes as `possibleTypes`.
export function possibleTypesOf(schema) {
  const out = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!type.name.startsWith('__') && (isInterfaceType(type) || isUnionType(type))) {
      out[type.name] = schema.getPossibleTypes(type).map((t) => t.name).sort();
    }
  }
  return out;
}

// loadSchema returns the built schema, its possibleTypes and its
// introspection result (what urql's Graphcache takes as `schema`).
export function loadSchema(schemaDir) {
  const schema = buildSchema(schemaSDL(schemaDir));
  return { schema, possibleTypes: possibleTypesOf(schema), introspection: introspectionFromSchema(schema) };
}
