import { afterAll, describe, it } from 'vitest';
import { runAdapterContractSuite } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { createServerDatabase } from '../support/db';
import { createRawReader } from '../support/raw';

// One database on the server for the file (a pg Pool: racing tests really run concurrently),
// emptied before each contract test.
const database = createServerDatabase('contract');
afterAll(async () => (await database).close());

runAdapterContractSuite({
  name: 'SQL repositories on the PostgreSQL server (pg Pool)',
  test: { describe, it },
  setup: async () => {
    const db = await database;
    await db.reset();
    return { adapter: createSqlAdapter(db.pool), raw: createRawReader(db.pool) };
  },
});
