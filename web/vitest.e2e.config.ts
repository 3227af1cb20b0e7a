import { defineConfig } from 'vitest/config';

// End-to-end tests: a real Mandant server, the built app, Debian's Chromium
// driven by playwright-core. e2e/global-setup.ts starts and stops them.
// One file at a time: the machine has two cores and Chromium wants them.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
