import { createPgliteDatabase } from './support/db';
import { runChargebackStorageSuite } from './support/chargebacks-suite';

runChargebackStorageSuite('PGlite', createPgliteDatabase);
