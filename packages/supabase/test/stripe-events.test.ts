import { createPgliteDatabase } from './support/db';
import { runStripeEventsSuite } from './support/stripe-events-suite';

runStripeEventsSuite('PGlite', createPgliteDatabase);
