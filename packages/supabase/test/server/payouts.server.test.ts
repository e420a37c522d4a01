import { createServerDatabase } from '../support/db';
import { runPayoutStorageSuite } from '../support/payouts-suite';

runPayoutStorageSuite('the PostgreSQL server', () => createServerDatabase('payouts'));
