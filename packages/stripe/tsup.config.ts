import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: false,
  // The core and the official client are the host's (peers); zod is a dependency, imported as is.
  external: ['@itutor/sessions-core', 'stripe', 'zod'],
});
