import { createPgliteDatabase } from './support/db';
import { runPrivilegesSuite } from './support/privileges-suite';

runPrivilegesSuite('PGlite', createPgliteDatabase);
