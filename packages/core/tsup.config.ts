import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', rules: 'src/rules.ts', adapter: 'src/adapter.ts', http: 'src/http/index.ts', client: 'src/client/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // One file per entry: the browser-facing `index` must not share chunks with `http` (zod) or `testing`.
  splitting: false,
  // `http` and `testing` import the root by name, so every entry shares one copy of SessionError & co.
  external: ['@itutor/sessions-core'],
});
