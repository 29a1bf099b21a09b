import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { t } from '../../cards/strings';
import { demo, generatedDemoEmployees, other } from '../../prisma/demoData';
import { useRunningBot } from '../support/botUnderTest';
import { textOf } from '../support/pageText';
import { waitFor } from '../support/waitFor';
import { signIn } from '../support/webSession';

/**
 * A fleet administrator or support person without a link asks for one on the page: it is mailed to them only, and
 * the page says the same whatever address was typed.
 */

const served = useRunningBot('sign-in-request', {}, { seed: true, logDestination: { write: () => undefined } });

const outboxDir = () => path.join(served.dataDir, 'outbox');
const outboxFiles = () => new Set(fs.existsSync(outboxDir()) ? fs.readdirSync(outboxDir()) : []);

async function mailsSince(before: Set<string>): Promise<Array<{ to: string; text: string; subject: string }>> {
  const mails = [];
  for (const file of [...outboxFiles()].filter((name) => !before.has(name))) {
    const mail = await simpleParser(fs.readFileSync(path.join(outboxDir(), file)));
    mails.push({ to: mail.to && !Array.isArray(mail.to) ? mail.to.text : '', text: mail.text ?? '', subject: mail.subject ?? '' });
  }
  return mails;
}

async function asks(email: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${served.bot.url}/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en', ...headers },
    body: new URLSearchParams({ email }).toString(),
  });
  return { status: response.status, text: textOf(await response.text()) };
}

/** Lets the background worker run what a request queued, so that "no email" is not just "not yet". */
async function jobsDone(): Promise<void> {
  await waitFor('the queued jobs to run', async () => (await served.db.prisma.job.count({ where: { kind: 'people.sendSignInLink', state: { in: ['QUEUED', 'RUNNING'] } } })) === 0);
}

test('the form is in the browser language', async () => {
  const response = await fetch(`${served.bot.url}/signin`, { headers: { 'accept-language': 'nl-BE,nl;q=0.9' } });
  expect(response.status).toBe(200);
  const text = textOf(await response.text());
  expect(text).toContain(t('nl', 'signIn.request.intro'));
  expect(text).toContain(t('nl', 'signIn.request.submit'));
});

test('an administrator gets a link by email that opens the chat as them, once', async () => {
  const before = outboxFiles();
  const answer = await asks(demo.ann.email.toUpperCase());
  expect(answer.status).toBe(200);
  expect(answer.text).toContain(t('en', 'signIn.request.sentTitle'));

  const mail = await waitFor('the sign-in email', async () => (await mailsSince(before)).find((m) => m.to === demo.ann.email));
  expect(mail.subject).toBe(t('en', 'email.signIn.subject'));
  const link = new RegExp(`${served.bot.url}/signin/[A-Za-z0-9_-]{43}`).exec(mail.text)?.[0];
  expect(link).toBeDefined();

  const opened = await signIn(link!, { 'accept-language': 'en' });
  expect(opened.status).toBe(200);
  expect(textOf(opened.html)).toContain(t('en', 'webChat.signedInAs', { name: demo.ann.displayName }));
  expect((await fetch(link!)).status).toBe(404);
});

test('an employee, a stranger and a known address alike get the same page; only staff get an email', async () => {
  const before = outboxFiles();
  const employee = generatedDemoEmployees[0]!.email;
  const pages = await Promise.all([employee, 'nobody@nowhere.example', other.olga.email].map((email) => asks(email)));
  expect(pages.map((p) => p.status)).toEqual([200, 200, 200]);
  const withoutAddress = pages.map((p, i) => p.text.replace([employee, 'nobody@nowhere.example', other.olga.email][i]!, '<address>'));
  expect(new Set(withoutAddress).size).toBe(1);

  await jobsDone();
  await waitFor('the email to Olga', async () => (await mailsSince(before)).some((m) => m.to === other.olga.email));
  expect((await mailsSince(before)).map((m) => m.to)).toEqual([other.olga.email]);
});

test('a removed administrator and the administrator of a deactivated organisation get no link, and the same page', async () => {
  const prisma = served.db.prisma;
  const ann = await prisma.person.findFirstOrThrow({ where: { email: demo.ann.email } });
  const removed = await prisma.person.create({
    data: { organisationId: ann.organisationId, role: 'ADMINISTRATOR', email: 'former.admin@demo.example', displayName: 'Former Admin', removedAt: new Date() },
  });
  const closed = await prisma.organisation.create({ data: { name: 'Closed BV', tenantId: 'f0000000-0000-4000-8000-00000000c105', deactivatedAt: new Date() } });
  const ofClosed = await prisma.person.create({ data: { organisationId: closed.id, role: 'ADMINISTRATOR', email: 'admin@closed.example', displayName: 'Closed Admin' } });
  const before = outboxFiles();
  const pages = await Promise.all([removed.email, ofClosed.email, other.olga.email].map((email) => asks(email)));
  expect(new Set(pages.map((p, i) => p.text.replace([removed.email, ofClosed.email, other.olga.email][i]!, '<address>'))).size).toBe(1);
  await jobsDone();
  // Olga's link shows the mail was sent; by then the two others' would have gone with it.
  await waitFor('the email to Olga', async () => (await mailsSince(before)).some((m) => m.to === other.olga.email));
  expect((await mailsSince(before)).map((m) => m.to)).toEqual([other.olga.email]);
});

test('a mistyped address is said to be wrong, and what was typed stays in the field', async () => {
  const response = await fetch(`${served.bot.url}/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'fr' },
    body: 'email=ann.admin%40demo',
  });
  expect(response.status).toBe(400);
  const html = await response.text();
  expect(textOf(html)).toContain(t('fr', 'signIn.request.invalid'));
  expect(html).toContain('value="ann.admin@demo"');
});

test('one address gets at most three links an hour, however often it is asked for', async () => {
  const support = demo.sam.email;
  const before = outboxFiles();
  for (let i = 0; i < 5; i += 1) expect((await asks(support)).status).toBe(200);
  await jobsDone();
  await waitFor('three emails to Sam', async () => (await mailsSince(before)).filter((m) => m.to === support).length === 3);
  expect((await mailsSince(before)).filter((m) => m.to === support)).toHaveLength(3);
});

test('one client asking for many addresses is told to wait, with the time to wait', async () => {
  const answers = [];
  for (let i = 0; i < 32; i += 1) answers.push(await asks(`someone${i}@nowhere.example`));
  const refused = answers.filter((a) => a.status === 429);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused[0]!.text).toMatch(/Too many sign-in links were asked for from your network\. Please try again in \d+ minutes\./);
});
