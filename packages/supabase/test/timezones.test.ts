import { createPgliteDatabase } from './support/db';
import { runTimeZoneSuite } from './support/timezone-suite';

// PGlite has one connection: the adapter round trip switches that connection's TimeZone and back.
runTimeZoneSuite('PGlite', createPgliteDatabase, async (db, zone) => {
  await db.client.query(`select set_config('TimeZone', $1, false)`, [zone]);
  return { client: db.client, close: async () => void (await db.client.query('reset timezone')) };
});
