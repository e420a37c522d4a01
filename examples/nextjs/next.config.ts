import path from 'node:path';
import type { NextConfig } from 'next';

// The pnpm workspace root: the @itutor packages are symlinks to ../../packages/*, outside this folder.
const workspaceRoot = path.join(__dirname, '..', '..');

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  outputFileTracingRoot: workspaceRoot,
  turbopack: { root: workspaceRoot },
};

export default nextConfig;
