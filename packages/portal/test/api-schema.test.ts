// The typed API client is checked against the API: the committed src/api/schema.d.ts must be exactly what
// the generator makes from the current server's OpenAPI document. When a route or schema changes, run
// `npm run api:generate -w @tessera/portal` and let the portal's type-check show what the change breaks.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSchemaSource, SCHEMA_FILE } from '../scripts/api-schema.js';

describe('the portal API types', () => {
  it('match the OpenAPI document the current server produces', async () => {
    const generated = await generateSchemaSource();
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(
      committed === generated,
      'src/api/schema.d.ts is stale: run `npm run api:generate -w @tessera/portal` and fix what the type-check reports',
    ).toBe(true);
  });
});
