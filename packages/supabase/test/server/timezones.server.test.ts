import pg from 'pg';
import { createServerDatabase } from '../support/db';
import { runTimeZoneSuite } from '../support/timezone-suite';

// Each zone gets its own connection whose session starts in that zone (as a host's pooler might set it).
runTimeZoneSuite(
  'the PostgreSQL server',
  () => createServerDatabase('timezones'),
  async (db, zone) => {
    const client = new pg.Client({ connectionString: (db as { url?: string }).url, options: `-c TimeZone=${zone}` });
    await client.connect();
    return { client, close: () => client.end() };
  },
);
