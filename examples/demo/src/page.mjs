/**
 * The demo's HTML page. It carries the simulated clock's instant (and, once the database is up, the
 * whole state) inline, so the first paint already shows simulated time and the React app starts from
 * it: no moment of real time, no "loading" flash after a reload. Used by `start.mjs` while the demo is
 * still starting and by the server afterwards.
 */
import { formatClock } from './format.mjs';

const escapeHtml = (text) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
// JSON inside <script>: `<` escaped so no string can close the element.
const inlineJson = (value) => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/**
 * @param {{ now: string, offsetMs: number, state: unknown }} boot simulated "now" (ISO), simulated minus
 *   real time in ms, and the `/demo/state` snapshot or `null` while the database is starting.
 */
export function renderPage(boot) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>iTutor Sessions — demo</title>
<link rel="icon" href="data:," />
<link rel="stylesheet" href="/demo/sdk.css" />
<link rel="stylesheet" href="/demo/demo.css" />
<script>window.__DEMO_BOOT__ = ${inlineJson(boot)};</script>
<script type="module" src="/demo/app.js"></script>
</head>
<body>
<div id="root"><div class="app">
<header class="bar"><div class="bar-inner">
<p class="brand">iTutor Sessions <span class="tag">demo</span></p>
<p class="clock"><span class="clock-label">Simulated time</span> <strong data-testid="simulated-time">${escapeHtml(formatClock(boot.now))}</strong></p>
<div class="bar-actions"><button class="btn" disabled>+1 min</button><button class="btn" disabled>+5 min</button><button class="btn" disabled>Restart</button><button class="btn primary" disabled>Run settlement</button></div>
</div></header>
<main><p class="loading">${boot.state ? 'Loading the page…' : 'Starting the demo database… (the very first start creates and migrates it, which takes a while)'}</p></main>
</div></div>
</body>
</html>`;
}
