import { createPgliteDatabase } from './support/db';
import { runMeetSubscriptionsSuite } from './support/meet-subscriptions-suite';

runMeetSubscriptionsSuite('PGlite', createPgliteDatabase);
