import { defineConfig } from 'tsup';

const shared = {
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  dts: true,
  sourcemap: true,
  target: 'es2022',
  splitting: false,
} as const;

export default defineConfig([
  // ESM: arctic and jose (both ESM-only) are dependencies, imported as is; msw is the `/testing` entry's optional peer.
  { ...shared, format: ['esm'], clean: true, external: ['@itutor/sessions-core', 'arctic', 'jose', 'msw'] },
  // CommonJS: arctic and jose are ESM-only and Node 20 before 20.19 cannot `require` them, so they are bundled here.
  { ...shared, format: ['cjs'], external: ['@itutor/sessions-core', 'msw'], noExternal: ['arctic', /^@oslojs\//, 'jose'] },
]);
