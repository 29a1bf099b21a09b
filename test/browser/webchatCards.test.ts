import type { Browser, Page } from 'playwright-core';
import { t } from '../../cards/strings';
import { demo, generatedDemoEmployees } from '../../prisma/demoData';
import { ServiceStatus } from '../../prisma/generated/enums';
import { startService } from '../../services/lifecycle/activation';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { LinkPurpose, createAccessLink } from '../../services/people/accessLinks';
import { launchChromium, onPage } from '../support/chromium';
import { newWaitingService } from '../support/waitingService';
import { useRunningBot } from '../support/botUnderTest';

/** Cards in the signed-in web chat as Ann presses them: a double press acts once, a list is updated where it is. */

let browser: Browser;

const served = useRunningBot('webchat-cards-browser', {}, { seed: true });

beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Ann's web chat in a browser of its own, signed in with a new link; `problems` collects script errors. */
async function annsChat(): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> {
  const ann = await served.db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email } });
  const { token } = await createAccessLink(served.db.prisma, { purpose: LinkPurpose.ADMIN_SIGN_IN, personId: ann.id, ttlMs: 60_000 });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(`${served.bot.url}/signin/${token}`);
  await chat(page).getByText('Hello Ann Admin').first().waitFor();
  return { page, problems, close: () => context.close() };
}

const chat = (page: Page) => page.locator('#webchat');
const sendBox = (page: Page) => page.locator('[data-id="webchat-sendbox-input"]');
/** A card's text block saying exactly this (a string) or matching it, not a button's title that may say the same. */
const cardText = (page: Page, text: string | RegExp) =>
  chat(page).locator('.ac-textBlock').filter({ hasText: typeof text === 'string' ? new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) : text });
const sorry = (page: Page) => chat(page).getByText(t('en', 'error.generic'));
/** The row of the waiting list whose first line starts with the person's name. */
const row = (page: Page, name: string) =>
  chat(page).locator('.ac-container').filter({ has: page.locator('.ac-textBlock', { hasText: new RegExp(`^\\s*${name} · `) }) }).last();

/** Waits a moment for what a second press would have brought, had it acted. */
const settle = (page: Page) => page.waitForTimeout(1_500);

test('a double click on a card button advances once and never shows an error: the welcome, then a step of "Add a service"', async () => {
  const { page, problems, close } = await annsChat();
  await onPage(page, 'webchat-double-click', async () => {
    await chat(page).getByRole('button', { name: 'Add a service' }).first().dblclick();
    await cardText(page, 'Who is the service for?').first().waitFor();
    await settle(page);
    await expect(cardText(page, 'Who is the service for?').count()).resolves.toBe(1);

    // Two fast clicks at the same place, each a click of its own (not a double click), as an impatient press.
    await chat(page).getByRole('textbox').first().fill('marie');
    const search = await chat(page).locator('.ac-pushButton').getByText('Search', { exact: true }).boundingBox();
    await page.mouse.click(search!.x + search!.width / 2, search!.y + search!.height / 2);
    await page.mouse.click(search!.x + search!.width / 2, search!.y + search!.height / 2);
    await cardText(page, 'Step 1 of 8').waitFor();
    await settle(page);
    await expect(cardText(page, 'Step 1 of 8').count()).resolves.toBe(1);
    await expect(cardText(page, /Step 2 of 8/).count()).resolves.toBe(0);
    await expect(sorry(page).count()).resolves.toBe(0);
    // The conversation goes on from there.
    await sendBox(page).fill('cancel');
    await sendBox(page).press('Enter');
    await chat(page).locator('.webchat__bubble--from-user').getByText('cancel', { exact: true }).waitFor();
    expect(problems).toEqual([]);
  });
  await close();
});

/** The waiting list, opened from the welcome's button. */
async function openWaitingList(page: Page) {
  await chat(page).getByRole('button', { name: t('en', 'waiting.title') }).first().click();
  const title = cardText(page, t('en', 'waiting.title'));
  await title.waitFor();
  return title;
}

const startIn = (page: Page, name: string) => row(page, name).getByRole('button', { name: 'Start', exact: true });

test('"Start" updates the waiting list where it is: one list, showing what was done, with no Start left for that service', async () => {
  const marie = await served.db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:marie' } });
  const { page, problems, close } = await annsChat();
  await onPage(page, 'webchat-waiting-list-start', async () => {
    const title = await openWaitingList(page);
    await startIn(page, 'Marie Dubois').click();
    await cardText(page, t('en', 'waiting.started', { count: 1 })).waitFor();
    await expect(title.count()).resolves.toBe(1);
    await expect(startIn(page, 'Marie Dubois').count()).resolves.toBe(0);
    expect((await served.db.prisma.service.findUniqueOrThrow({ where: { id: marie.id } })).status).not.toBe(ServiceStatus.WAITING_FOR_ACTIVATION);
    await expect(sorry(page).count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  });
  await close();
});

test('a press on an outdated waiting list says what changed instead of acting', async () => {
  const els = await newWaitingService(served.db.prisma, 'els.maes@demo.example');
  const { page, problems, close } = await annsChat();
  await onPage(page, 'webchat-waiting-list-outdated', async () => {
    await openWaitingList(page);
    await startIn(page, 'Els Maes').waitFor();

    // A service arrives that the list on screen does not show: "Start all" starts nothing, and shows the list as it is.
    const newcomer = generatedDemoEmployees[3]!;
    await newWaitingService(served.db.prisma, newcomer.email);
    // The card's own button (Web Chat also keeps an unfocusable copy of each title for screen readers).
    await chat(page).locator('.ac-pushButton').getByText(t('en', 'waiting.startAll'), { exact: true }).click();
    await cardText(page, t('en', 'waiting.changed')).waitFor();
    await row(page, newcomer.displayName).waitFor();
    expect((await served.db.prisma.service.findUniqueOrThrow({ where: { id: els.id } })).status).toBe(ServiceStatus.WAITING_FOR_ACTIVATION);
    expect(await served.db.prisma.job.count({ where: { kind: ActivationJobs.startAll } })).toBe(0);

    // Ann starts Els's service elsewhere (in Teams, say), then presses Start here: the list says who did, and when.
    const ann = await served.db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
    await startService(served.db.prisma, ann, els.id);
    await startIn(page, 'Els Maes').click();
    await cardText(page, /^\s*Els Maes['’]s service was already started by Ann Admin on .+ at \d{2}:\d{2}\.\s*$/).waitFor();
    await expect(startIn(page, 'Els Maes').count()).resolves.toBe(0);
    await expect(sorry(page).count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  });
  await close();
});
