import { createPgliteDatabase } from './support/db';
import { runPayoutStorageSuite } from './support/payouts-suite';

runPayoutStorageSuite('PGlite', createPgliteDatabase);
