/**
 * How the example shows times: the marketplace's own time zone (TTD prices, Trinidad and Tobago), on the
 * server-rendered facts and in the SDK's buttons alike. Instants themselves are always UTC.
 */
export const DISPLAY_LOCALE = 'en-TT';
export const DISPLAY_TIME_ZONE = 'America/Port_of_Spain';
