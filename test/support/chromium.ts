import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../services/platform/projectRoot';

/** Debian's Chromium: playwright's own browser download cannot work on these machines. */
const CHROMIUM = '/usr/bin/chromium';

/** Where browser tests leave screenshots for a reviewer. */
export const screenshotsDir = path.join(projectRoot(), 'test-output');

/**
 * Headless Chromium with the flags this closed network needs (no background connections, no updates); `args` adds
 * others (a browser language, say).
 */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`);
  fs.mkdirSync(screenshotsDir, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', ...args],
  });
}

/** Runs a test's steps on a page, leaving a screenshot of it as it was when a step failed; closes the page. */
export async function onPage(page: Page, name: string, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    await page.screenshot({ path: path.join(screenshotsDir, `failed-${name}.png`), fullPage: true }).catch(() => undefined);
    throw error;
  } finally {
    await page.close();
  }
}
