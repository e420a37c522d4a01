import { createServerDatabase } from '../support/db';
import { runOutcomeStorageSuite } from '../support/outcomes-suite';

runOutcomeStorageSuite('the PostgreSQL server', () => createServerDatabase('outcomes'));
