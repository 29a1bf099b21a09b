import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotsDir } from '../support/chromium';
import { useRunningBot } from '../support/botUnderTest';


let browser: Browser;

const served = useRunningBot('webchat-browser');

beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** A page that records what would show a broken chat: script errors, refused requests, policy violations. */
async function openPage(url: string, viewport = { width: 1100, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport, locale: 'en-US' });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  page.on('request', (request) => {
    if (!request.url().startsWith(served.bot.url) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) {
      problems.push(`request outside this server: ${request.url()}`);
    }
  });
  await page.goto(url);
  return { page, problems };
}

const sendBox = (page: Page) => page.locator('[data-id="webchat-sendbox-input"]');
const transcript = (page: Page) => page.locator('#webchat [role="log"], #webchat .webchat__basic-transcript').first();

describe('the web chat in a real browser', () => {
  test('an anonymous visitor types "hi" and sees the welcome rendered by Web Chat', async () => {
    const { page, problems } = await openPage(`${served.bot.url}/`);
    await expect(page.title()).resolves.toBe('SIM activation assistant – Dstny');
    await sendBox(page).waitFor();

    await sendBox(page).fill('hi');
    await sendBox(page).press('Enter');

    await page.locator('.webchat__bubble--from-user').getByText('hi', { exact: true }).waitFor();
    // The greeting on joining, then the answer to "hi".
    await page.getByText(/I help the employees and fleet administrators/).nth(1).waitFor();
    await expect(page.getByText('Send failed').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(screenshotsDir, 'webchat-anonymous.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  test("the admin sign-in link opens Ann's welcome, whose buttons answer in the chat", async () => {
    const { page, problems } = await openPage(served.bot.adminLink);
    await page.getByText('Signed in as Ann Admin').waitFor();
    await page.getByText('Hello Ann Admin').first().waitFor();
    const addService = page.getByRole('button', { name: 'Add a service' }).first();
    await addService.waitFor();
    await expect(page.getByRole('button', { name: 'Services waiting for activation' }).count()).resolves.toBeGreaterThan(0);
    await expect(page.getByRole('button', { name: 'Mobile porting issues' }).count()).resolves.toBeGreaterThan(0);
    await page.locator('.webchat__connectivityStatus').waitFor({ state: 'hidden' });
    await page.screenshot({ path: path.join(screenshotsDir, 'webchat-admin-welcome.png') });

    // Web Chat sends the card's button as a message with a value; the bot's answer lands in the same transcript.
    await addService.click();
    await page.getByText('Who is the service for?').first().waitFor();
    await page.screenshot({ path: path.join(screenshotsDir, 'webchat-admin-button.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  test('a used sign-in link shows the page saying so, also on a phone-sized screen', async () => {
    const { page, problems } = await openPage(served.bot.adminLink, { width: 390, height: 844 });
    await page.getByRole('heading', { name: "This link can't be used" }).waitFor();
    await page.screenshot({ path: path.join(screenshotsDir, 'webchat-link-unusable-phone.png') });
    // The page's own 404 is expected; nothing else may fail.
    expect(problems.filter((problem) => !problem.includes('404'))).toEqual([]);
    await page.close();
  });

  test('the chat fits a phone-sized screen', async () => {
    const { page, problems } = await openPage(`${served.bot.url}/`, { width: 390, height: 844 });
    await page.getByText(/I help the employees and fleet administrators/).first().waitFor();
    await page.locator('.webchat__connectivityStatus').waitFor({ state: 'hidden' });
    await expect(transcript(page).count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(screenshotsDir, 'webchat-anonymous-phone.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
