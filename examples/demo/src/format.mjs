/**
 * The demo's one way of writing instants and money, shared by the server-rendered page and the React
 * app: British English, 24-hour time, always with the zone ("25 Nov 2026, 13:35 UTC"). The SDK's
 * components get the same locale and zone through their provider, so their dates read the same.
 */
export const LOCALE = 'en-GB';
export const TIME_ZONE = 'UTC';

const instant = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: TIME_ZONE });
const clock = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'medium', timeZone: TIME_ZONE });

/** "25 Nov 2026, 13:35 UTC". */
export const formatInstant = (value) => `${instant.format(new Date(value))} ${TIME_ZONE}`;

/** The live clock: the same format with seconds, "25 Nov 2026, 13:35:07 UTC". */
export const formatClock = (value) => `${clock.format(new Date(value))} ${TIME_ZONE}`;

/** "1 event", "2 events". */
export const plural = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
