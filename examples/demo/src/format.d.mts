export declare const LOCALE: string;
export declare const TIME_ZONE: string;
export declare function formatInstant(value: Date | string | number): string;
export declare function formatClock(value: Date | string | number): string;
export declare function plural(count: number, one: string, many?: string): string;
