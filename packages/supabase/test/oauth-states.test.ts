import { createPgliteDatabase } from './support/db';
import { runOAuthStatesSuite } from './support/oauth-states-suite';

// PGlite has one connection: both instances share it (two adapters, stores and handlers over one database).
runOAuthStatesSuite('PGlite', async () => ({ db: await createPgliteDatabase() }));
