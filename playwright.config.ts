import { defineConfig } from '@playwright/test';

const baseURL = process.env.COMET_E2E_URL ?? 'http://localhost:7107';

/**
 * End-to-end tests: real Chromium (Debian's, Playwright cannot download its own here)
 * against the started portal. Screenshots and traces are kept for failed tests under
 * test-results/, the HTML report under e2e-test-report/.
 */
export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 20_000 },
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'e2e-test-report' }],
  ],
  outputDir: 'test-results',
  webServer: process.env.COMET_E2E_URL
    ? undefined
    : {
        command:
          'rm -rf .data/e2e && bash scripts/comet.sh start --config e2e/app-config.e2e.yaml',
        url: `${baseURL}/.backstage/health/v1/readiness`,
        reuseExistingServer: !process.env.CI,
        timeout: 600_000,
        stdout: 'ignore',
        stderr: 'pipe',
      },
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.COMET_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
