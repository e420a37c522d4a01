import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace';

export default defineConfig({
  test: {
    // Projects whose config does not exist yet (a package still a skeleton) are left out.
    projects: projects.filter((path) => existsSync(new URL(path, import.meta.url))),
  },
});
