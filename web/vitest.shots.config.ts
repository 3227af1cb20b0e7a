import { defineConfig } from 'vitest/config';

// `npm run screenshots`: the same server set-up as the end-to-end tests,
// then e2e/screenshots.shots.ts photographs every main view at desktop and
// phone width into ../docs/screenshots/. Not part of `npm run e2e`.
export default defineConfig({
  test: {
    include: ['e2e/**/*.shots.ts'],
    environment: 'node',
    globalSetup: ['e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
