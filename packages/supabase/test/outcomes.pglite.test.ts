import { createPgliteDatabase } from './support/db';
import { runOutcomeStorageSuite } from './support/outcomes-suite';

runOutcomeStorageSuite('PGlite', createPgliteDatabase);
