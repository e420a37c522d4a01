import { createPgliteDatabase } from './support/db';
import { runGatewaySuite } from './support/gateway-suite';

runGatewaySuite('PGlite', createPgliteDatabase);
