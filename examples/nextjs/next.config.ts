import path from 'node:path';
import type { NextConfig } from 'next';

// The pnpm workspace root: the @itutor packages are symlinks to ../../packages/*, outside this folder.
const workspaceRoot = path.join(__dirname, '..', '..');

// The end-to-end test (test/e2e.test.ts) builds into its own folder, so it never overwrites a developer's
// `.next`, and skips Next's type check there: CI type-checks the example separately (`pnpm typecheck`).
const e2e = process.env.ITUTOR_E2E_BUILD === '1';

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  outputFileTracingRoot: workspaceRoot,
  turbopack: { root: workspaceRoot },
  ...(e2e ? { distDir: '.next-e2e', typescript: { ignoreBuildErrors: true } } : {}),
};

export default nextConfig;
