import { createServerDatabase } from '../support/db';
import { runPrivilegesSuite } from '../support/privileges-suite';

runPrivilegesSuite('the PostgreSQL server', () => createServerDatabase('privileges'));
