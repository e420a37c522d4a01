/**
 * Screenshots every story of the static Storybook build.
 *
 *   npx -y pnpm@10 exec storybook build --config-dir .storybook -o storybook-static
 *   npx tsx scripts/screenshot-stories.ts [storybook-static] [artifacts/screenshots]
 *
 * Serves the build on 127.0.0.1 (a random free port), reads `index.json`, opens each story's iframe in
 * Debian's Chromium (playwright-core, never a downloaded browser), waits for its play function to
 * finish, and writes `<story id>.png`. Exits non-zero if a story fails to render.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from './chromium';

const staticDir = resolve(process.argv[2] ?? 'storybook-static');
const outDir = resolve(process.argv[3] ?? 'artifacts/screenshots');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = normalize(join(staticDir, path.endsWith('/') ? `${path}index.html` : path));
  if (!file.startsWith(staticDir)) return void res.writeHead(403).end();
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const index = (await (await fetch(`${base}/index.json`)).json()) as {
  entries: Record<string, { id: string; type: string; title: string; name: string }>;
};
const stories = Object.values(index.entries).filter((entry) => entry.type === 'story');

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

const browser = await chromium.launch(chromiumLaunchOptions);
const failures: string[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 560, height: 360 }, deviceScaleFactor: 1 });
  for (const story of stories) {
    const errors: string[] = [];
    const onError = (error: Error) => errors.push(error.message);
    page.on('pageerror', onError);
    await page.goto(`${base}/iframe.html?id=${encodeURIComponent(story.id)}&viewMode=story`, { waitUntil: 'load' });
    // Storybook marks the body while the story renders and its play function runs.
    await page.waitForFunction(
      () => !document.body.classList.contains('sb-show-preparing-story') && !document.body.classList.contains('sb-show-preparing-docs'),
      undefined,
      { timeout: 15_000 },
    );
    await page.waitForTimeout(400);
    const failed = await page.evaluate(() => document.body.classList.contains('sb-show-errordisplay'));
    if (failed || errors.length > 0) failures.push(`${story.id}: ${errors.join('; ') || 'error display shown'}`);
    await page.screenshot({ path: join(outDir, `${story.id}.png`), fullPage: true });
    page.off('pageerror', onError);
    console.log(`${failed ? '✗' : '✓'} ${story.title} / ${story.name}`);
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`${stories.length} stories → ${outDir}`);
if (failures.length > 0) {
  console.error(`Failed:\n${failures.join('\n')}`);
  process.exit(1);
}
