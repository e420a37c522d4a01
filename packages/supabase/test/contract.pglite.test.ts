import { afterAll, describe, it } from 'vitest';
import { runAdapterContractSuite } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createPgliteDatabase } from './support/db';
import { createRawReader } from './support/raw';

// One PGlite database for the file, emptied before each contract test.
const database = createPgliteDatabase();
afterAll(async () => (await database).close());

runAdapterContractSuite({
  name: 'SQL repositories on PGlite',
  test: { describe, it },
  setup: async () => {
    const db = await database;
    await db.reset();
    return { adapter: createSqlAdapter(db.client), raw: createRawReader(db.client) };
  },
});
