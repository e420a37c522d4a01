import { createServerDatabase } from '../support/db';
import { runGatewaySuite } from '../support/gateway-suite';

runGatewaySuite('the PostgreSQL server', () => createServerDatabase('gateway'));
