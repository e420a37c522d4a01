import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', migrations: 'src/migrations.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: false,
  // Peers and the database clients are never bundled; pg and PGlite are not even imported (clients are
  // accepted structurally). jose is a dependency.
  external: ['@itutor/sessions-core', '@supabase/supabase-js', 'pg', '@electric-sql/pglite', 'jose'],
});
