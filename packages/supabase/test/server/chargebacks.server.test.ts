import { createServerDatabase } from '../support/db';
import { runChargebackStorageSuite } from '../support/chargebacks-suite';

runChargebackStorageSuite('the PostgreSQL server', () => createServerDatabase('chargebacks'));
