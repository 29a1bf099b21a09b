import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { t, type Language } from '../../cards/strings';
import { demo } from '../../prisma/demoData';
import { LinkPurpose, createAccessLink } from '../../services/people/accessLinks';
import { generateFile, prepareOrganisation } from '../support/bulkImportFile';
import { launchChromium, onPage, screenshotsDir } from '../support/chromium';
import { useRunningBot } from '../support/botUnderTest';


let browser: Browser;

const served = useRunningBot('webchat-browser');

beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/**
 * A page that records what would show a broken chat: script errors, refused requests, policy violations. In
 * `context`, it shares that browser's cookies with its other tabs.
 */
async function openPage(
  url: string,
  viewport = { width: 1100, height: 900 },
  options: { context?: BrowserContext; locale?: string } = {},
): Promise<{ page: Page; problems: string[] }> {
  const page = options.context ? await options.context.newPage() : await browser.newPage({ viewport, locale: options.locale ?? 'en-US' });
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

  /** A new one-time sign-in link for a demo person. */
  async function linkFor(email: string): Promise<string> {
    const person = await served.db.prisma.person.findFirstOrThrow({ where: { email } });
    const { token } = await createAccessLink(served.db.prisma, { purpose: LinkPurpose.ADMIN_SIGN_IN, personId: person.id, ttlMs: 60_000 });
    return `${served.bot.url}/signin/${token}`;
  }

  /** A sentence as a card shows it: Adaptive Cards turn straight apostrophes into typographic ones. */
  const cardText = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "['’]"));

  /** A browser of its own (its own cookies), in `locale`. */
  const newBrowser = (locale = 'en-US') => browser.newContext({ viewport: { width: 1100, height: 900 }, locale });

  test('a reload and a new tab keep the session and the conversation with its history; signing out ends it', async () => {
    const context = await newBrowser();
    const { page, problems } = await openPage(await linkFor(demo.ann.email), undefined, { context });
    await onPage(page, 'webchat-session', async () => {
      // The link is used up: the chat lives at an address without a token.
      expect(new URL(page.url()).pathname).toBe('/chat');
      await page.getByText('Hello Ann Admin').first().waitFor();
      await sendBox(page).fill('show the services waiting for activation');
      await sendBox(page).press('Enter');
      await page.locator('.webchat__bubble--from-user').getByText('show the services waiting for activation').waitFor();

      await page.reload();
      // Leaving the page aborts its poll under way: not a problem of the chat.
      problems.splice(0);
      await page.getByText('Signed in as Ann Admin').waitFor();
      // The history is back: the welcome and what was typed before the reload.
      await page.locator('.webchat__bubble--from-user').getByText('show the services waiting for activation').waitFor();
      await page.getByText('Hello Ann Admin').first().waitFor();
      await expect(page.getByText('Hello Ann Admin').count()).resolves.toBe(1);

      const { page: tab, problems: tabProblems } = await openPage(`${served.bot.url}/chat`, undefined, { context });
      await onPage(tab, 'webchat-session-tab', async () => {
        await tab.locator('.webchat__bubble--from-user').getByText('show the services waiting for activation').waitFor();
        await sendBox(tab).fill('hi');
        await sendBox(tab).press('Enter');
        await tab.locator('.webchat__bubble--from-user').getByText('hi', { exact: true }).waitFor();
        expect(tabProblems).toEqual([]);
      });
      // The first tab still talks: what the other tab said arrives in it too.
      await page.locator('.webchat__bubble--from-user').getByText('hi', { exact: true }).waitFor();
      await page.screenshot({ path: path.join(screenshotsDir, 'webchat-session-reloaded.png') });
      expect(problems).toEqual([]);

      await page.getByRole('button', { name: t('en', 'webChat.signOut') }).click();
      await page.getByRole('heading', { name: t('en', 'webChat.signedOut.title') }).waitFor();
      await page.goto(`${served.bot.url}/chat`);
      await page.getByRole('heading', { name: t('en', 'webChat.signedOut.title') }).waitFor();
      await expect(page.locator('#webchat').count()).resolves.toBe(0);
    });
    await context.close();
  });

  test('a sign-in link opened from another site (a webmail) signs in too', async () => {
    const context = await newBrowser();
    // 127.0.0.1 and localhost are different sites: the page at one opens the link at the other.
    const { page, problems } = await openPage(`${served.bot.url.replace('localhost', '127.0.0.1')}/signin`, undefined, { context });
    await onPage(page, 'webchat-session-cross-site', async () => {
      const link = await linkFor(demo.ann.email);
      await page.evaluate((href) => window.location.assign(href), link);
      await page.getByText('Hello Ann Admin').first().waitFor();
      expect(new URL(page.url()).pathname).toBe('/chat');
      expect(problems.filter((problem) => !problem.includes('127.0.0.1'))).toEqual([]);
    });
    await context.close();
  });

  test('an administrator uploads an import file in the chat and sees its validation report', async () => {
    const rows = 200;
    await prepareOrganisation(served.db.prisma, rows);
    const file = generateFile(rows, new Date());
    const context = await newBrowser();
    const { page, problems } = await openPage(await linkFor(demo.ann.email), undefined, { context });
    await onPage(page, 'webchat-upload', async () => {
      await page.getByText('Hello Ann Admin').first().waitFor();
      await sendBox(page).fill('add services from a file');
      await sendBox(page).press('Enter');
      await page.getByRole('button', { name: 'Template (Excel)' }).first().waitFor();
      await page.locator('#webchat input[type="file"]').setInputFiles({ name: 'services.csv', mimeType: 'text/csv', buffer: Buffer.from(file.csv) });
      // Web Chat holds the file in the send box until it is sent.
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByText(`${file.valid.count} of ${rows} rows are valid.`).first().waitFor();
      await page.screenshot({ path: path.join(screenshotsDir, 'webchat-upload-report.png') });
      expect(problems).toEqual([]);
    });
    await context.close();
  });

  test('the upload button is offered to administrators only', async () => {
    const context = await newBrowser();
    const { page } = await openPage(await linkFor(demo.sam.email), undefined, { context });
    await onPage(page, 'webchat-no-upload', async () => {
      await page.getByText('Signed in as Sam Support').waitFor();
      await sendBox(page).waitFor();
      await expect(page.locator('#webchat input[type="file"]').count()).resolves.toBe(0);
    });
    await context.close();
    const anonymous = await openPage(`${served.bot.url}/`);
    await onPage(anonymous.page, 'webchat-anonymous-no-upload', async () => {
      await sendBox(anonymous.page).waitFor();
      await expect(anonymous.page.locator('#webchat input[type="file"]').count()).resolves.toBe(0);
    });
  });

  test.each([
    ['nl-BE', 'nl', 'Typ uw bericht'],
    ['fr-BE', 'fr', 'Tapez votre message'],
  ] as Array<[string, Language, string]>)('a visitor whose browser speaks %s is welcomed in it, and the chat\'s own words follow the page', async (locale, l, placeholder) => {
    const { page, problems } = await openPage(`${served.bot.url}/`, undefined, { locale });
    await onPage(page, `webchat-anonymous-${l}`, async () => {
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(l);
      // The greeting on joining, before anything is typed.
      await page.getByText(cardText(t(l, 'welcome.guest.intro'))).first().waitFor();
      await expect(sendBox(page).getAttribute('placeholder')).resolves.toBe(placeholder);
      expect(problems).toEqual([]);
    });
  });

  test.each([
    ['nl-BE', 'nl'],
    ['fr-BE', 'fr'],
  ] as Array<[string, Language]>)('Chromium started in %s (its own language settings, no page emulation) shows the welcome in it', async (lang, l) => {
    // On Linux, --lang alone leaves the languages Chromium asks pages in as English; --accept-lang sets them.
    const localBrowser = await launchChromium([`--lang=${lang}`, `--accept-lang=${lang}`]);
    try {
      const page = await localBrowser.newPage({ viewport: { width: 1100, height: 900 } });
      await onPage(page, `webchat-lang-${l}`, async () => {
        await page.goto(`${served.bot.url}/`);
        await expect(page.locator('html').getAttribute('lang')).resolves.toBe(l);
        await page.getByText(cardText(t(l, 'welcome.guest.intro'))).first().waitFor();
        await expect(page.getByText(cardText(t('en', 'welcome.guest.intro'))).count()).resolves.toBe(0);
      });
    } finally {
      await localBrowser.close();
    }
  });

  test("the chat's words follow the page's language, not the browser's", async () => {
    // A browser asking for French pages whose script reports English: Web Chat's own default would follow the script.
    const context = await newBrowser('fr-BE');
    await context.addInitScript(() => Object.defineProperty(navigator, 'language', { get: () => 'en-US' }));
    const { page } = await openPage(`${served.bot.url}/`, undefined, { context });
    await onPage(page, 'webchat-page-language', async () => {
      await expect(page.evaluate(() => navigator.language)).resolves.toBe('en-US');
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
      await page.getByText(cardText(t('fr', 'welcome.guest.intro'))).first().waitFor();
      await expect(sendBox(page).getAttribute('placeholder')).resolves.toBe('Tapez votre message');
    });
    await context.close();
  });

  test('a card button focused with the keyboard shows a clear outline', async () => {
    const context = await newBrowser();
    const { page } = await openPage(await linkFor(demo.ann.email), undefined, { context });
    await onPage(page, 'webchat-focus', async () => {
      await page.getByRole('button', { name: 'Add a service' }).first().waitFor();
      // Tab through the page until a card button has the focus.
      let focused = '';
      for (let press = 0; press < 40 && focused !== 'Add a service'; press += 1) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => (document.activeElement?.closest('.ac-adaptiveCard') && document.activeElement.textContent?.trim()) || '');
        if (focused === '' && (await page.evaluate(() => document.activeElement?.closest('.webchat__basic-transcript') !== null))) await page.keyboard.press('Enter');
      }
      expect(focused).toBe('Add a service');
      const outline = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement!);
        return { style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor };
      });
      expect(outline).toEqual({ style: 'solid', width: 3, color: 'rgb(192, 77, 0)' });
      await page.screenshot({ path: path.join(screenshotsDir, 'webchat-focus.png') });
    });
    await context.close();
  });
});
