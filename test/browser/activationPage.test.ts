import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotsDir } from '../support/chromium';
import { demo, demoStockIccids } from '../../prisma/demoData';
import { ServiceStatus } from '../../prisma/generated/enums';
import { resendActivationEmail } from '../../services/lifecycle/activation';
import { useRunningBot } from '../support/botUnderTest';
import { waitFor } from '../support/waitFor';


let browser: Browser;

// Real time for the simulated backend, so the activation is still under way when the page is looked at.
const served = useRunningBot('activation-browser', { SIM_CLOCK_SPEED: '1' }, { seed: true, logDestination: { write: () => undefined } });

beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Resends an activation email of Jan's as Ann and takes the link from the HTML part, as a person clicks it. */
async function linkFromJansEmail(serviceId: string): Promise<string> {
  const outbox = path.join(served.dataDir, 'outbox');
  const before = new Set(fs.existsSync(outbox) ? fs.readdirSync(outbox) : []);
  const ann = await served.db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
  await resendActivationEmail(served.db.prisma, ann, serviceId);
  // A file appears before it is completely written: read again until the whole message with its link is there.
  return waitFor('the activation email', async () => {
    for (const file of fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((name) => !before.has(name)) : []) {
      const mail = await simpleParser(fs.readFileSync(path.join(outbox, file)));
      const href = /href="([^"]+\/activate\/[A-Za-z0-9_-]{43})"/.exec(typeof mail.html === 'string' ? mail.html : '')?.[1];
      if (href) return href;
    }
    return undefined;
  });
}

/** A page that records what would show a broken page: script errors, refused requests, policy violations. */
async function openPage(url: string, viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport, locale: 'nl-BE' });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('422')) problems.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(served.bot.url) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) {
      problems.push(`request outside this server: ${request.url()}`);
    }
  });
  await page.goto(url);
  return { page, problems };
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotsDir, name), fullPage: true });

test('Jan opens the link from his email, enters a wrong then the right SIM card number, and sees the confirmation', async () => {
  const service = await served.db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:jan' } });
  const link = await linkFromJansEmail(service.id);
  const { page, problems } = await openPage(link, { width: 1000, height: 1100 });

  await page.getByRole('heading', { name: 'Activeer je simkaart' }).first().waitFor();
  await page.getByText('Jan Peeters, met deze pagina activeer je de simkaart van je Dstny Mobile-dienst (Mobiel) bij Demo Company NV.').waitFor();
  // The chat below is tied to Jan: the bot greets him by name.
  await page.locator('#webchat').getByText('Hallo Jan Peeters').first().waitFor();
  await shot(page, 'activation-page.png');

  const field = page.getByLabel('Simkaartnummer');
  const right = demoStockIccids[0]!;
  const wrongDigit = right.slice(0, 15) + String((Number(right[15]) + 5) % 10) + right.slice(16);
  await field.fill(wrongDigit);
  await field.press('Enter');
  await page.getByText('Er zit ergens een tikfout in dit simkaartnummer').waitFor();
  await expect(page.getByLabel('Simkaartnummer').inputValue()).resolves.toBe(wrongDigit);
  const grouped = right.replace(/(\d{4})(?=\d)/g, '$1 ');
  await page.getByText(`Bedoelde je ${grouped}?`).waitFor();
  await shot(page, 'activation-page-typo.png');

  await page.getByRole('button', { name: 'Ja, gebruik dit nummer' }).click();
  await page.getByRole('heading', { name: 'Waar je activatie staat' }).waitFor();
  await page.getByText('Dat duurt normaal ongeveer een uur, en kan tot twee dagen duren.').waitFor();
  await shot(page, 'activation-page-confirmation.png');

  const after = await served.db.prisma.service.findUniqueOrThrow({ where: { id: service.id }, include: { simCard: true } });
  expect(after.status).toBe(ServiceStatus.ACTIVATING);
  expect(after.simCard?.iccid).toBe(right);
  expect(problems).toEqual([]);
  await page.close();
});

test('the page fits a phone-sized screen, and its form works without JavaScript', async () => {
  const service = await served.db.prisma.service.create({
    data: {
      organisationId: (await served.db.prisma.person.findFirstOrThrow({ where: { email: demo.marie.email } })).organisationId,
      userId: (await served.db.prisma.person.findFirstOrThrow({ where: { email: demo.jan.email } })).id,
      productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', status: ServiceStatus.WAITING_FOR_SIM, activationMethod: 'EMAIL', activationTiming: 'NOW',
    },
  });
  const link = await linkFromJansEmail(service.id);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false, locale: 'nl-BE' });
  const page = await context.newPage();
  await page.goto(link);
  await page.getByRole('heading', { name: 'Activeer je simkaart' }).first().waitFor();
  // Without scripts the chat cannot start, and the page does not pretend it is starting.
  await expect(page.locator('#chat-status').isVisible()).resolves.toBe(false);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await page.getByLabel('Simkaartnummer').fill('8932 1001');
  await page.getByRole('button', { name: 'Activeer mijn simkaart' }).click();
  await page.getByText('Een simkaartnummer heeft 19 of 20 cijfers; dit nummer heeft er 8.').waitFor();
  await shot(page, 'activation-page-phone-no-script.png');
  await context.close();
});
