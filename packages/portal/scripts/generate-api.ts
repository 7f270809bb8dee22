// `npm run api:generate -w @tessera/portal`: rewrites src/api/schema.d.ts from Central's OpenAPI document.

import { writeFileSync } from 'node:fs';
import { generateSchemaSource, SCHEMA_FILE } from './api-schema.js';

writeFileSync(SCHEMA_FILE, await generateSchemaSource());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
