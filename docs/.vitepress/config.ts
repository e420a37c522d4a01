import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type DefaultTheme } from 'vitepress';

// The API reference's pages are generated before every build and dev start (scripts/docs-api.ts),
// with this list of them.
const apiSidebarFile = new URL('../api/sidebar.json', import.meta.url);
const apiPages: DefaultTheme.SidebarItem[] = existsSync(apiSidebarFile)
  ? (JSON.parse(readFileSync(apiSidebarFile, 'utf8')) as DefaultTheme.SidebarItem[])
  : [];

const guides: DefaultTheme.SidebarItem[] = [
  {
    text: 'Start',
    items: [
      { text: 'Quick start', link: '/guide/quick-start' },
      { text: 'Policies and money', link: '/guide/policies-and-money' },
      { text: 'Payouts and disputes', link: '/guide/payouts-and-disputes' },
      { text: 'Chargebacks and payment recovery', link: '/guide/chargebacks-and-payment-recovery' },
    ],
  },
  {
    text: 'Hosting',
    items: [
      { text: 'Next.js', link: '/guide/hosting-nextjs' },
      { text: 'Hono', link: '/guide/hosting-hono' },
      { text: 'Plain Node (node:http)', link: '/guide/hosting-node' },
    ],
  },
  {
    text: 'Integrations',
    items: [
      { text: 'Stripe', link: '/guide/stripe' },
      { text: 'Zoom and Google Meet', link: '/guide/zoom-and-meet' },
      { text: 'Webhooks and attendance', link: '/guide/webhooks-and-attendance' },
      { text: 'Supabase and PostgreSQL', link: '/guide/supabase' },
      { text: 'Stripe reference', link: '/guide/stripe-reference' },
      { text: 'Video package reference', link: '/guide/video-reference' },
    ],
  },
  {
    text: 'React kit',
    items: [{ text: 'React components', link: '/guide/react-components' }],
  },
  {
    text: 'Running it',
    items: [
      { text: 'Operations', link: '/guide/operations' },
      { text: 'Writing an adapter', link: '/guide/writing-an-adapter' },
    ],
  },
];

/**
 * Fails the build when the site would make a reader's browser fetch anything from another host: a
 * stylesheet, script, font, image or frame by an absolute URL (links to other sites are fine).
 */
function assertNothingExternal(outDir: string): void {
  const external = /(?:<(?:link|script|img|iframe|source)\b[^>]*\b(?:href|src)=["']?(?:https?:)?\/\/)|(?:@import\s+(?:url\()?["']?(?:https?:)?\/\/)|(?:url\(\s*["']?(?:https?:)?\/\/)/i;
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(html|css)$/.test(entry.name)) {
        const match = external.exec(readFileSync(path, 'utf8'));
        if (match) found.push(`${path.slice(outDir.length + 1)}: ${match[0]}`);
      }
    }
  };
  walk(outDir);
  if (found.length > 0) throw new Error(`The docs site would load resources from other hosts:\n  ${found.join('\n  ')}`);
}

export default defineConfig({
  title: 'iTutor Sessions',
  description: 'A TypeScript SDK and React kit for paid online tutoring sessions: timing, money, exactly-once charging.',
  lang: 'en',
  cleanUrls: true,
  // Nothing is fetched from the network, at build time or by a reader's browser: the default theme's
  // Inter font is served from the site itself and search is local (`assertNothingExternal` checks the output).
  useWebFonts: false,
  // docs/demo.png belongs to the root README and the demo's end-to-end test; the scratch project of
  // the TypeScript check is not part of the site.
  srcExclude: ['.check/**', 'README.md'],
  lastUpdated: false,
  // The API reference pages are large (one per entry point); they are split per page already.
  vite: { build: { chunkSizeWarningLimit: 1200 } },
  buildEnd: (site) => assertNothingExternal(site.outDir),
  themeConfig: {
    nav: [
      { text: 'Guides', link: '/guide/quick-start', activeMatch: '^/guide/' },
      { text: 'API reference', link: '/api/', activeMatch: '^/api/' },
    ],
    sidebar: {
      '/guide/': guides,
      '/api/': [{ text: 'API reference', link: '/api/', items: apiPages }],
    },
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    footer: { message: 'Every TypeScript example on this site is type-checked in CI against the built packages.' },
  },
});
