export interface PageBoot {
  /** Simulated "now" as an ISO instant. */
  readonly now: string;
  /** Simulated minus real time, in ms. */
  readonly offsetMs: number;
  /** The `/demo/state` snapshot, or `null` while the database is starting. */
  readonly state: unknown;
}
export declare function renderPage(boot: PageBoot): string;
