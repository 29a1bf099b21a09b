import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, onPage, screenshotsDir } from '../support/chromium';
import { t } from '../../cards/strings';
import { demo, demoStockIccids } from '../../prisma/demoData';
import { ServiceStatus } from '../../prisma/generated/enums';
import { resendActivationEmail } from '../../services/lifecycle/activation';
import { recordEsimInstalled } from '../../services/simCards/esimProfiles';
import { useRunningBot } from '../support/botUnderTest';
import { matchingIdOf, startedEsimService } from '../support/esimService';
import { qrCodeIn } from '../support/qrCode';
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

/** Problems but the chat's end: its next poll is refused once its link no longer acts, as Direct Line ends a chat. */
const unexpected = (problems: string[]) => problems.filter((problem) => !problem.includes('status of 403'));

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotsDir, name), fullPage: true });

/** A new service of Jan's waiting for his SIM card number, and the link from its email. */
async function janWaiting(): Promise<{ service: { id: string }; link: string }> {
  const [marie, jan] = await Promise.all([
    served.db.prisma.person.findFirstOrThrow({ where: { email: demo.marie.email } }),
    served.db.prisma.person.findFirstOrThrow({ where: { email: demo.jan.email } }),
  ]);
  const service = await served.db.prisma.service.create({
    data: {
      organisationId: marie.organisationId, userId: jan.id,
      productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', status: ServiceStatus.WAITING_FOR_SIM, activationMethod: 'EMAIL', activationTiming: 'NOW',
    },
  });
  return { service, link: await linkFromJansEmail(service.id) };
}

const sendBox = (page: Page) => page.locator('[data-id="webchat-sendbox-input"]');
const chat = (page: Page) => page.locator('#webchat');
const simField = (page: Page) => page.getByRole('textbox', { name: 'Simkaartnummer' });
const grouped = (iccid: string) => iccid.replace(/(\d{4})(?=\d)/g, '$1 ');

/** Marks the page, so that a test can tell the page it looks at was not loaded again. */
const markLoaded = (page: Page) => page.evaluate(() => { (window as unknown as { loadedOnce: boolean }).loadedOnce = true; });
const stillLoadedOnce = (page: Page) => page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce === true);

const viewports = [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 800 }]] as const;

/** Stock cards the tests below type, one per test. */
let nextCard = 5;

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
  expect(unexpected(problems)).toEqual([]);
  await page.close();
});

test('the page fits a phone-sized screen, and its form works without JavaScript', async () => {
  const { link } = await janWaiting();
  // The chat's status line is in the page as sent, shown from the first paint rather than once the script runs.
  const html = await (await fetch(link, { headers: { 'Accept-Language': 'nl' } })).text();
  expect(/<p id="chat-status"[^>]*>/.exec(html)?.[0]).not.toMatch(/\shidden[\s>]/);
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

describe.each(viewports)('on a %s', (device, viewport) => {
  test('the status panel follows the service: the number typed in the chat moves it on, without a reload, and the chat keeps its answer', async () => {
    const { service, link } = await janWaiting();
    const { page, problems } = await openPage(link, viewport);
    await onPage(page, `activation-live-status-${device}`, async () => {
      await chat(page).getByText('Hallo Jan Peeters').first().waitFor();
      await markLoaded(page);
      const status = page.locator('#step-status');
      await expect(status.getAttribute('aria-live')).resolves.toBe('polite');

      const iccid = demoStockIccids[nextCard++]!;
      await sendBox(page).fill(grouped(iccid));
      await sendBox(page).press('Enter');
      const closing = chat(page).locator('.webchat__bubble').getByText(`Bedankt: simkaart ${grouped(iccid)} is geregistreerd`).first();
      await closing.waitFor();
      // The panel says where the activation stands and what comes next, in place of the form.
      await page.getByRole('heading', { name: 'Waar je activatie staat' }).waitFor();
      await status.getByText('Je simkaart voor Dstny Mobile wordt geactiveerd. Dat duurt normaal ongeveer een uur, en kan tot twee dagen duren.').waitFor();
      await status.getByText('We laten je weten zodra ze actief is.').waitFor();
      await expect(simField(page).count()).resolves.toBe(0);
      await expect(stillLoadedOnce(page)).resolves.toBe(true);
      // The chat's closing answer is still there.
      await expect(closing.isVisible()).resolves.toBe(true);
      // The chat took nothing more after it, and says so rather than showing a lost connection.
      await page.getByText('Deze chat is afgelopen toen je activatie verder ging; wat gezegd werd, blijft hier staan.').waitFor();
      await expect(sendBox(page).isVisible()).resolves.toBe(false);
      // The welcome's buttons no longer act: greyed out, and a press sends nothing into the ended chat.
      const help = chat(page).getByRole('button', { name: 'Hulp krijgen' });
      await waitFor('the ended chat\'s buttons disabled', async () => (await help.isDisabled()) || undefined);
      await expect(chat(page).getByRole('button', { name: 'Mijn simkaart activeren' }).isDisabled()).resolves.toBe(true);
      const sent: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().includes('/v3/directline/')) sent.push(request.url());
      });
      await help.click({ force: true });
      await help.press('Enter');
      // Time for a press to be sent, had it acted.
      await page.waitForTimeout(1_000);
      expect(sent).toEqual([]);
      await shot(page, `activation-live-status-${device}.png`);
      expect((await served.db.prisma.service.findUniqueOrThrow({ where: { id: service.id } })).status).toBe(ServiceStatus.ACTIVATING);
      expect(unexpected(problems)).toEqual([]);
    });
  });

  test('the form and the chat are one conversation: a question asked in the chat is still there after the form was sent', async () => {
    const { link } = await janWaiting();
    const { page, problems } = await openPage(link, viewport);
    await onPage(page, `activation-one-conversation-${device}`, async () => {
      await chat(page).getByText('Hallo Jan Peeters').first().waitFor();
      await markLoaded(page);
      const question = 'Waar vind ik het simkaartnummer?';
      await sendBox(page).fill(question);
      await sendBox(page).press('Enter');
      await chat(page).locator('.webchat__bubble--from-user').getByText(question).waitFor();
      const answers = await chat(page).locator('.webchat__bubble:not(.webchat__bubble--from-user)').count();
      await waitFor('the answer to the question', async () => (await chat(page).locator('.webchat__bubble:not(.webchat__bubble--from-user)').count()) > answers || undefined);

      const field = simField(page);
      await field.fill('8932 1001');
      await field.press('Enter');
      await page.getByText('Een simkaartnummer heeft 19 of 20 cijfers; dit nummer heeft er 8.').waitFor();
      await expect(chat(page).locator('.webchat__bubble--from-user').getByText(question).isVisible()).resolves.toBe(true);

      const iccid = demoStockIccids[nextCard++]!;
      await simField(page).fill(iccid);
      await page.getByRole('button', { name: 'Activeer mijn simkaart' }).click();
      await page.getByRole('heading', { name: 'Waar je activatie staat' }).waitFor();
      await expect(chat(page).locator('.webchat__bubble--from-user').getByText(question).isVisible()).resolves.toBe(true);
      await expect(stillLoadedOnce(page)).resolves.toBe(true);
      await shot(page, `activation-one-conversation-${device}.png`);
      expect(unexpected(problems)).toEqual([]);
    });
  });
});

test('while Web Chat is still loading, the page already says the chat is starting', async () => {
  const { link } = await janWaiting();
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'nl-BE' });
  // Web Chat's bundle held back until the page has been looked at, as on a slow connection.
  let release = () => {};
  const held = new Promise<void>((resolve) => { release = resolve; });
  await page.route('**/webchat/*/webchat.js', async (route) => {
    await held;
    await route.continue();
  });
  await onPage(page, 'activation-chat-starting', async () => {
    await page.goto(link, { waitUntil: 'commit' });
    await page.getByRole('heading', { name: 'Activeer je simkaart' }).first().waitFor();
    await expect(page.locator('#chat-status').innerText()).resolves.toBe(t('nl', 'webChat.starting'));
    await expect(page.locator('#chat-status').isVisible()).resolves.toBe(true);
    release();
    await chat(page).getByText('Hallo Jan Peeters').first().waitFor();
    await expect(page.locator('#chat-status').isVisible()).resolves.toBe(false);
  });
});

test('when the administrator registers the SIM card meanwhile, the form gives way to Start without a reload, and the chat goes on', async () => {
  const { service, link } = await janWaiting();
  const { page, problems } = await openPage(link, { width: 1000, height: 1100 });
  await onPage(page, 'activation-wait-changes', async () => {
    await chat(page).getByText('Hallo Jan Peeters').first().waitFor();
    await markLoaded(page);
    await simField(page).fill('8932');
    const iccid = demoStockIccids[nextCard++]!;
    const simCard = await served.db.prisma.simCard.findUniqueOrThrow({ where: { iccid } });
    await served.db.prisma.service.update({ where: { id: service.id }, data: { status: ServiceStatus.READY, simCardId: simCard.id } });

    const start = page.getByRole('button', { name: t('nl', 'activation.start') });
    await start.waitFor();
    await page.getByText(t('nl', 'activation.state.READY', { product: 'Dstny Mobile' })).waitFor();
    await expect(simField(page).count()).resolves.toBe(0);
    // The person was typing in the form that went: the focus is on what replaced it.
    await expect(start.evaluate((button) => button === document.activeElement)).resolves.toBe(true);
    await expect(stillLoadedOnce(page)).resolves.toBe(true);
    // The chat still acts: the link still waits for Jan.
    await expect(page.locator('#chat-ended').isVisible()).resolves.toBe(false);
    await expect(chat(page).getByRole('button', { name: 'Hulp krijgen' }).isDisabled()).resolves.toBe(false);
    await sendBox(page).fill('Waar vind ik het simkaartnummer?');
    await sendBox(page).press('Enter');
    await chat(page).locator('.webchat__bubble--from-user').getByText('Waar vind ik het simkaartnummer?').waitFor();
    await shot(page, 'activation-wait-changes.png');
    expect(unexpected(problems)).toEqual([]);
  });
});

test("the page's styles leave Web Chat's send button as Web Chat draws it", async () => {
  const looks = async (page: Page, selector: string) => page.locator(selector).first().evaluate((element) => {
    const style = getComputedStyle(element);
    // Its style, not its size: the send box is as high as the chat's width lets its text wrap.
    return ['margin', 'padding', 'color', 'background-color', 'border', 'border-radius', 'font', 'line-height', 'outline', 'box-shadow', 'cursor', 'fill'].map((name) => `${name}: ${style.getPropertyValue(name)}`);
  });
  const plain = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'nl-BE' });
  await plain.goto(`${served.bot.url}/`);
  await sendBox(plain).waitFor();
  const sendButton = '#webchat .webchat__send-button';
  const chatPageLooks = await looks(plain, sendButton);
  await plain.close();

  const { link } = await janWaiting();
  const { page } = await openPage(link, { width: 1280, height: 800 });
  await onPage(page, 'activation-chat-styles', async () => {
    await chat(page).getByText('Hallo Jan Peeters').first().waitFor();
    await expect(looks(page, sendButton)).resolves.toEqual(chatPageLooks);
    // The page's own button keeps the page's style.
    const own = await looks(page, '.step button');
    expect(own).toContain('background-color: rgb(11, 61, 145)');
  });
});

test("a deactivated organisation's link stops working on the page: the form is refused, and the page says so", async () => {
  const { service, link } = await janWaiting();
  const { page } = await openPage(link, { width: 390, height: 844 });
  const organisationId = (await served.db.prisma.service.findUniqueOrThrow({ where: { id: service.id } })).organisationId;
  await onPage(page, 'activation-deactivated', async () => {
    await simField(page).waitFor();
    await served.db.prisma.organisation.update({ where: { id: organisationId }, data: { deactivatedAt: new Date() } });
    try {
      await simField(page).fill(demoStockIccids[nextCard++]!);
      await page.getByRole('button', { name: 'Activeer mijn simkaart' }).click();
      await page.getByRole('heading', { name: 'Deze link kan niet gebruikt worden' }).waitFor();
      await expect(simField(page).count()).resolves.toBe(0);
      await page.reload();
      await page.getByRole('heading', { name: 'Deze link kan niet gebruikt worden' }).waitFor();
      await expect(page.locator('#webchat').count()).resolves.toBe(0);
      expect((await served.db.prisma.service.findUniqueOrThrow({ where: { id: service.id } })).simCardId).toBeNull();
    } finally {
      await served.db.prisma.organisation.update({ where: { id: organisationId }, data: { deactivatedAt: null } });
    }
  });
});

test('on a phone (375×667), the eSIM page shows its QR code within the screen, read as the code; once the eSIM is installed, the code gives way to where the activation stands', async () => {
  const { service, esim } = await startedEsimService(served.db.prisma, demo.jan.email);
  const link = await linkFromJansEmail(service.id);
  const { page, problems } = await openPage(link, { width: 375, height: 667 });
  await onPage(page, 'activation-esim-phone', async () => {
    const qr = page.getByRole('img', { name: 'QR-code die je eSIM installeert' });
    await qr.waitFor();
    await expect(qr.isVisible()).resolves.toBe(true);
    const box = (await qr.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    expect(box.width).toBeGreaterThanOrEqual(240);
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(375);
    // What a camera reads from the screen.
    expect(qrCodeIn(await qr.screenshot())).toBe(esim.activationCode);
    const typed = page.getByText(matchingIdOf(esim.activationCode), { exact: true });
    await typed.waitFor();
    await shot(page, 'activation-esim-phone.png');

    await recordEsimInstalled(served.db.prisma, esim.iccid);
    await page.getByRole('heading', { name: 'Waar je activatie staat' }).waitFor({ timeout: 15_000 });
    await page.getByText('Je simkaart voor Dstny Mobile wordt geactiveerd.', { exact: false }).waitFor();
    await expect(qr.count()).resolves.toBe(0);
    await expect(page.getByText(matchingIdOf(esim.activationCode)).count()).resolves.toBe(0);
    await shot(page, 'activation-esim-phone-installed.png');
    expect(unexpected(problems)).toEqual([]);
  });
});
