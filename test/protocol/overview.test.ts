import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { Verbs } from '../../cards/verbs';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other, pieterPorting } from '../../prisma/demoData';
import { LINK_ATTEMPT_LIMIT } from '../../services/people/activationLinks';
import { escalateToAdministrators } from '../../services/lifecycle/escalation';
import { useBotUnderTest } from '../support/botUnderTest';
import { teamsActivity, whatTheySee, type TeamsPerson } from '../support/connector';

type Json = Record<string, any>;

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const sam: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.sam.aadObjectId, name: 'Sam Support' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };
const olga: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.olga.aadObjectId, name: 'Olga Other' };

const bot = useBotUnderTest('overview');
const prisma = () => bot.bot().db.prisma;
const organisationIdOf = async (tenantId: string) => (await prisma().organisation.findUniqueOrThrow({ where: { tenantId } })).id;

/** Every text and every button of a card, wherever they stand (rows, action sets), with the buttons' data. */
function everythingIn(node: unknown, found = { texts: [] as string[], buttons: [] as Array<{ title: string; verb: string; data: Json }>, inputs: {} as Json }) {
  if (Array.isArray(node)) node.forEach((item) => everythingIn(item, found));
  else if (node && typeof node === 'object') {
    const element = node as Json;
    if (element.type === 'TextBlock') found.texts.push(element.text);
    if (element.type === 'Action.Execute') found.buttons.push({ title: element.title, verb: element.verb, data: element.data ?? {} });
    if (typeof element.type === 'string' && element.type.startsWith('Input.')) found.inputs[element.id] = element.value;
    for (const [key, value] of Object.entries(element)) if (key !== 'fallback') everythingIn(value, found);
  }
  return found;
}

/** Presses a button in Teams and reads the card that replaces it (or the sentence that answers it). */
async function press(who: TeamsPerson, verb: string, data: Json = {}) {
  const { answer, followUps } = await bot.presses(who, { verb, data });
  const value = answer.value;
  const seen = typeof value === 'string' ? { texts: [value], buttons: [], inputs: {} } : everythingIn(value);
  return { ...seen, followUps, titles: seen.buttons.map((button) => button.title) };
}

/** Presses the button titled `title` of what `seen` shows, with the card's inputs as Teams sends them. */
function buttonOf(seen: { buttons: Array<{ title: string; verb: string; data: Json }> }, title: string) {
  const button = seen.buttons.find((candidate) => candidate.title === title);
  if (!button) throw new Error(`no button "${title}" among ${seen.buttons.map((b) => b.title).join(', ')}`);
  return button;
}

async function open(who: TeamsPerson, list: Awaited<ReturnType<typeof press>>, heading: string) {
  const row = list.texts.indexOf(heading);
  expect(row).toBeGreaterThanOrEqual(0);
  // A row's Open button follows its heading: the row's place among the Open buttons is its place among the rows.
  const rowIndex = list.texts.filter((text) => text.includes(' · Dstny ')).indexOf(heading);
  const opens = list.buttons.filter((button) => button.verb === Verbs.overview.openService);
  return press(who, Verbs.overview.openService, opens[rowIndex]!.data);
}

test('Ann presses Overview on her welcome: what needs her first, each with its button, then her organisation counted by state', async () => {
  const seen = await press(ann, Verbs.welcome.overview);
  expect(seen.texts.slice(0, 7)).toEqual([
    'Fleet overview',
    expect.stringMatching(/^Demo Company NV · \d+ services$/),
    'Needs you now',
    'Porting requests refused or cancelled: 1',
    'Pieter Janssens · Dstny Mobile (Mobile) · 0475 38 19 46',
    'Services you have not started yet: 1',
    'Marie Dubois · Dstny Mobile (Mobile) · 0468 10 00 02',
  ]);
  expect(seen.buttons.slice(0, 2)).toEqual([
    { title: 'Fix the porting request', verb: Verbs.portingIssues.fix, data: { requestId: expect.any(String) } },
    { title: 'Start', verb: Verbs.waitingServices.start, data: { serviceId: expect.any(String) } },
  ]);
  expect(seen.titles).toEqual(expect.arrayContaining([
    'Waiting for activation: 1', 'Activation scheduled: 0', "Waiting for the user's SIM number: 1", 'Waiting for the user to press Start: 0',
    'Activating: 0', 'Waiting for the ported number: 0', 'Porting refused or cancelled: 1', 'Failed: 0', 'All services', 'Export (CSV)',
  ]));
  expect(seen.titles.find((title) => title.startsWith('Active: '))).toMatch(/^Active: [1-9]\d*$/);
});

test('"overview" and "how far are we?", typed, answer with the same card; in Dutch, "overzicht"', async () => {
  for (const text of ['overview', 'how far are we?']) {
    const [reply] = await bot.says(ann, text);
    expect(whatTheySee(reply!).texts.slice(0, 2)).toEqual(['Fleet overview', expect.stringMatching(/^Demo Company NV · /)]);
  }
  const [dutch] = await bot.says(ann, 'overzicht');
  expect(whatTheySee(dutch!).texts[0]).toBe('Vlootoverzicht');
  expect(everythingIn(dutch!.activity.attachments).buttons.map((b) => b.title)).toContain('Exporteren (CSV)');
  // Back to English for the tests that follow: replies follow the language last written in.
  await bot.says(ann, 'English please');
});

test("a count lists its services, and a row opens the service's card with only the actions its state allows", async () => {
  const overview = await press(ann, Verbs.welcome.overview);
  const cardFor = async (count: string, heading: string) => open(ann, await press(ann, Verbs.overview.list, buttonOf(overview, count).data), heading);

  const janCard = await cardFor("Waiting for the user's SIM number: 1", 'Jan Peeters · Dstny Mobile (Mobile) · 0468 10 00 01');
  expect(janCard.texts[0]).toMatch(/^Jan Peeters/);
  expect(janCard.titles).toContain('Resend the activation email');
  expect(janCard.titles).not.toEqual(expect.arrayContaining(['Start']));
  expect(janCard.titles).not.toContain('Fix the porting request');

  const marieCard = await cardFor('Waiting for activation: 1', 'Marie Dubois · Dstny Mobile (Mobile) · 0468 10 00 02');
  expect(marieCard.titles).toContain('Start');
  expect(marieCard.titles).not.toContain('Resend the activation email');
  expect(marieCard.titles).not.toContain('Fix the porting request');

  const pieterCard = await cardFor('Porting refused or cancelled: 1', 'Pieter Janssens · Dstny Mobile (Mobile) · 0475 38 19 46');
  expect(pieterCard.titles).toContain('Fix the porting request');
  expect(pieterCard.titles).not.toContain('Start');
  expect(pieterCard.titles).not.toContain('Resend the activation email');

  const activeList = await press(ann, Verbs.overview.list, buttonOf(overview, overview.titles.find((t) => t.startsWith('Active: '))!).data);
  const lucCard = await open(ann, activeList, 'Luc Lemaire · Dstny Mobile (Mobile) · 0468 10 00 04');
  expect(lucCard.titles.filter((title) => ['Start', 'Resend the activation email', 'Fix the porting request'].includes(title))).toEqual([]);

  // The buttons are the features' own: Fix opens the porting fix, Start starts Marie's service.
  const fix = await press(ann, Verbs.portingIssues.fix, buttonOf(pieterCard, 'Fix the porting request').data);
  expect(fix.texts.join(' ')).toMatch(/Pieter Janssens/);
  const started = await press(ann, Verbs.waitingServices.start, buttonOf(marieCard, 'Start').data);
  expect(started.texts).toContain('Started: 1. Users who enter their own SIM card number receive their activation email now.');
  const after = await press(ann, Verbs.welcome.overview);
  expect(after.titles).toContain('Waiting for activation: 0');
});

test('lists page by ten with Next and Previous, filter by name whatever the accents, and name a wrong filter at its field', async () => {
  const organisationId = await organisationIdOf(DEMO_TENANT_ID);
  const before = await press(ann, Verbs.overview.list, { organisationId, state: 'waitingForSim' });
  const waiting = Number(/ of (\d+)$/.exec(before.texts.find((text) => / of \d+$/.test(text))!)![1]) + 12;
  expect(waiting).toBeLessThanOrEqual(20);
  const people = await prisma().person.findMany({ where: { organisationId, role: 'USER', services: { none: {} } }, orderBy: { displayName: 'asc' }, take: 12 });
  expect(people).toHaveLength(12);
  await prisma().service.createMany({
    data: people.map((person) => ({
      organisationId, userId: person.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', status: 'WAITING_FOR_SIM' as const, activationMethod: 'EMAIL' as const, activationTiming: 'NOW' as const,
    })),
  });

  const first = await press(ann, Verbs.overview.list, { organisationId, state: 'waitingForSim' });
  expect(first.texts[0]).toBe("Services: Waiting for the user's SIM number");
  expect(first.texts).toContain(`1–10 of ${waiting}`);
  expect(first.buttons.filter((button) => button.verb === Verbs.overview.openService)).toHaveLength(10);
  expect(first.titles).toContain('Next');
  expect(first.titles).not.toContain('Previous');
  // Teams sends the card's inputs with the button's data.
  const second = await press(ann, Verbs.overview.list, { ...buttonOf(first, 'Next').data, ...first.inputs });
  expect(second.texts).toContain(`11–${waiting} of ${waiting}`);
  expect(second.titles).toContain('Previous');
  expect(second.titles).not.toContain('Next');
  const back = await press(ann, Verbs.overview.list, { ...buttonOf(second, 'Previous').data, ...second.inputs });
  expect(back.texts).toContain(`1–10 of ${waiting}`);

  const helene = await press(ann, Verbs.overview.list, { organisationId, state: 'all', product: 'all', name: 'HELENE', page: 0 });
  expect(helene.texts.filter((text) => text.includes(' · Dstny '))).toEqual([expect.stringMatching(/^Hélène \S+ · Dstny Mobile \(Mobile\) · no number yet$/)]);
  const peeters = await press(ann, Verbs.overview.list, { organisationId, state: 'waitingForSim', product: 'DSTNY_MOBILE', name: 'peeters', page: 0 });
  expect(peeters.texts.filter((text) => text.includes(' · Dstny '))).toEqual(['Jan Peeters · Dstny Mobile (Mobile) · 0468 10 00 01']);

  const wrong = await press(ann, Verbs.overview.list, { organisationId, state: 'everything', product: 'DSTNY_FMC', name: 'x'.repeat(120), page: 0 });
  expect(wrong.texts).toEqual(expect.arrayContaining(['Pick one of the list.', 'Type at most 100 characters of the name.']));
  expect(wrong.texts.filter((text) => text === 'Pick one of the list.')).toHaveLength(2);
  expect(wrong.inputs.name).toBe('x'.repeat(120));
});

/** A service of Demo Company NV whose activation the backend could not do, created by Ann for Luc. */
async function failedService() {
  const organisationId = await organisationIdOf(DEMO_TENANT_ID);
  const [annRow, luc] = await Promise.all([
    prisma().person.findFirstOrThrow({ where: { email: demo.ann.email } }),
    prisma().person.findFirstOrThrow({ where: { email: demo.luc.email } }),
  ]);
  return prisma().service.create({
    data: {
      organisationId, userId: luc.id, createdById: annRow.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', status: 'FAILED',
      activationMethod: 'AUTOMATIC', activationTiming: 'NOW', failureReason: 'SIM blocked',
    },
  });
}

test("Needs you now: a failure tried again, a locked link sent anew, a request for help handled, Pieter's porting fixed, each leaving the card", async () => {
  const failed = await failedService();
  const janActor = await prisma().person.findFirstOrThrow({ where: { email: demo.jan.email }, include: { organisation: true } });
  const janService = await prisma().service.findFirstOrThrow({ where: { userId: janActor.id }, orderBy: { createdAt: 'asc' } });
  // Jan typed ten wrong SIM card numbers on his link; then he asked Ann for help.
  await prisma().accessLink.create({
    data: { tokenHash: `locked-${janService.id}`, purpose: 'ACTIVATION', personId: janActor.id, serviceId: janService.id, expiresAt: new Date(Date.now() + 86_400_000), failedAttempts: LINK_ATTEMPT_LIMIT },
  });
  await escalateToAdministrators(prisma(), janActor, { requestKey: 'overview-needs-you-1', serviceId: janService.id, topic: 'data', tried: [] });

  const seen = await press(ann, Verbs.welcome.overview);
  expect(seen.texts).toEqual(expect.arrayContaining([
    'Needs you now',
    'Porting requests refused or cancelled: 1',
    'Failed activations: 1',
    'Activation links locked after too many wrong SIM card numbers: 1',
    'Requests for help not handled yet: 1',
  ]));
  // Sam, support, sees the same, each with the service to look up: the actions are Ann's.
  const samSees = await press(sam, Verbs.welcome.overview);
  expect(samSees.texts).toContain('Failed activations: 1');
  expect(samSees.titles).toContain('Look up');
  expect(samSees.titles).not.toEqual(expect.arrayContaining(['Try again']));

  const retried = await press(ann, Verbs.overview.retry, buttonOf(seen, 'Try again').data);
  expect(retried.texts[2]).toBe('The activation was sent to the network again; you will hear when it is done.');
  expect(retried.texts).not.toContain('Failed activations: 1');
  expect((await prisma().service.findUniqueOrThrow({ where: { id: failed.id } })).status).not.toBe('FAILED');
  // The same button again, from the old card: nothing is sent twice.
  expect((await press(ann, Verbs.overview.retry, buttonOf(seen, 'Try again').data)).texts[2]).toBe('That activation is not failed any more: nothing was sent again.');

  const resend = buttonOf(retried, 'Send a new activation email');
  const resent = await press(ann, resend.verb, resend.data);
  expect(resent.texts[2]).toBe('A new activation email is on its way; the locked link no longer works.');
  expect(resent.texts).not.toContain('Activation links locked after too many wrong SIM card numbers: 1');
  expect((await press(ann, resend.verb, resend.data)).texts[2]).toBe('That activation email was already sent.');
  expect(await prisma().serviceEvent.count({ where: { serviceId: janService.id, kind: 'activation_email_resent' } })).toBe(1);

  const handled = await press(ann, Verbs.overview.markHandled, buttonOf(resent, 'Mark handled').data);
  expect(handled.texts[2]).toBe('Marked as handled.');
  expect(handled.texts).not.toContain('Requests for help not handled yet: 1');

  // Fix opens Pieter's porting as it was sent; sent again with the right customer number, it leaves the card.
  const fix = await press(ann, Verbs.portingIssues.fix, buttonOf(handled, 'Fix the porting request').data);
  expect(fix.texts.join(' ')).toMatch(/Pieter Janssens/);
  const sent = await press(ann, Verbs.portingIssues.resubmit, { ...buttonOf(fix, 'Send again').data, ...fix.inputs, customerNumber: pieterPorting.customerNumber });
  // The fix card becomes what was done, with nothing left to change or press.
  expect(sent.texts[0]).toBe('Transfer of 0475 38 19 46 sent again');
  expect(sent.texts[1]).toMatch(/^The corrected request to transfer 0475 38 19 46 for Pieter Janssens has been sent to Proximus \(attempt 2\)/);
  expect(sent.inputs).toEqual({});
  expect(sent.buttons).toEqual([]);
  const after = await press(ann, Verbs.welcome.overview);
  expect(after.texts).not.toContain('Needs you now');
  expect(after.texts).toContain('Nothing needs you right now.');
});

test('a forged "Needs you now" button is refused and audited: data not as the card sent it, or ids not of the organisation', async () => {
  const failed = await failedService();
  const organisationId = await organisationIdOf(DEMO_TENANT_ID);
  const refused = 'The fleet overview is for fleet administrators and support, and only for the organisations they look after.';
  const audited = (action: string) => prisma().auditEvent.count({ where: { action } });
  const before = { malformed: await audited('card.malformed'), retry: await audited('activation.retry.denied'), escalation: await audited('escalation.denied') };

  expect((await press(ann, Verbs.overview.retry, { serviceId: 'not-a-service', organisationId })).texts).toEqual([refused]);
  expect((await press(olga, Verbs.overview.retry, { serviceId: failed.id, organisationId: await organisationIdOf(OTHER_TENANT_ID) })).texts).toEqual([refused]);
  expect((await press(jan, Verbs.overview.retry, { serviceId: failed.id, organisationId })).texts).toEqual(['Het vlootoverzicht is voor vlootbeheerders en support, en alleen voor de organisaties waarvoor zij zorgen.']);
  const escalation = await prisma().escalation.findUniqueOrThrow({ where: { requestKey: 'overview-needs-you-1' } });
  expect((await press(olga, Verbs.overview.markHandled, { escalationId: escalation.id, organisationId })).texts).toEqual([refused]);

  expect(await audited('card.malformed')).toBe(before.malformed + 1);
  expect(await audited('activation.retry.denied')).toBe(before.retry + 2);
  expect(await audited('escalation.denied')).toBe(before.escalation + 1);
  expect((await prisma().service.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe('FAILED');
});

test("Olga sees Other Org BV only; Demo Company's overview through a forged card is refused and audited", async () => {
  const seen = await press(olga, Verbs.welcome.overview);
  expect(seen.texts[1]).toMatch(/^Other Org BV · \d+ services$/);
  const demoId = await organisationIdOf(DEMO_TENANT_ID);
  const olgaId = (await prisma().person.findFirstOrThrow({ where: { email: other.olga.email } })).id;
  const audited = () => prisma().auditEvent.count({ where: { actorId: olgaId, action: 'overview.denied' } });
  const before = await audited();
  const refused = 'The fleet overview is for fleet administrators and support, and only for the organisations they look after.';
  expect((await press(olga, Verbs.overview.show, { organisationId: demoId })).texts).toEqual([refused]);
  expect((await press(olga, Verbs.overview.list, { organisationId: demoId, state: 'active' })).texts).toEqual([refused]);
  expect((await press(olga, Verbs.overview.export, { organisationId: demoId, requestKey: 'forged-request-1' })).texts).toEqual([refused]);
  expect(await audited()).toBe(before + 3);
  // A service of Demo Company, opened from a forged row, is refused too.
  const janService = await prisma().service.findFirstOrThrow({ where: { user: { email: demo.jan.email } } });
  expect((await press(olga, Verbs.overview.openService, { serviceId: janService.id })).texts.join(' ')).not.toMatch(/Jan Peeters/);
});

test('Jan, a user, is refused the overview; Sam sees his own organisation but not one outside his SupportScope', async () => {
  const refused = 'The fleet overview is for fleet administrators and support, and only for the organisations they look after.';
  // Jan reads Dutch.
  expect((await press(jan, Verbs.overview.show, {})).texts).toEqual(['Het vlootoverzicht is voor vlootbeheerders en support, en alleen voor de organisaties waarvoor zij zorgen.']);
  expect((await press(sam, Verbs.overview.show, {})).texts[1]).toMatch(/^Demo Company NV · /);
  expect((await press(sam, Verbs.overview.show, { organisationId: await organisationIdOf(OTHER_TENANT_ID) })).texts).toEqual([refused]);
});

/** Stands in for the OneDrive upload session Teams hands the bot when the person accepts the file. */
async function uploadSession() {
  const uploads: Array<{ method: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      uploads.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload/session-1`;
  return { url, uploads, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('Export in Teams: a file consent card; accepted, the CSV is uploaded and shown as a file; declined, nothing is', async () => {
  const overview = await press(ann, Verbs.welcome.overview);
  const exportButton = buttonOf(overview, 'Export (CSV)');
  const pressed = await press(ann, exportButton.verb, exportButton.data);
  expect(pressed.texts).toEqual(['Allow the file below to be saved in your OneDrive; you can then open or download it from there.']);
  const consent = pressed.followUps.map((sent) => sent.activity.attachments?.[0]).find((attachment) => attachment?.contentType === 'application/vnd.microsoft.teams.card.file.consent');
  expect(consent.name).toMatch(/^overview-demo-company-nv-\d{4}-\d{2}-\d{2}\.csv$/);
  expect(consent.content.description).toMatch(/^The services of Demo Company NV: \d+ rows, one per service/);

  const session = await uploadSession();
  try {
    const accept = (context: Json) =>
      bot.post(teamsActivity(bot.serviceUrl(), ann, {
        type: 'invoke',
        name: 'fileConsent/invoke',
        value: {
          type: 'fileUpload',
          action: 'accept',
          context,
          uploadInfo: { name: consent.name, uploadUrl: session.url, contentUrl: 'https://onedrive.example/personal/ann/overview.csv', uniqueId: 'file-1', fileType: 'csv' },
        },
      }));
    const accepted = await accept(consent.content.acceptContext);
    expect(session.uploads).toHaveLength(1);
    const upload = session.uploads[0]!;
    expect(upload.method).toBe('PUT');
    const size = Buffer.byteLength(upload.body, 'utf8');
    expect(upload.headers['content-range']).toBe(`bytes 0-${size - 1}/${size}`);
    const rows = parse(upload.body, { bom: true }) as string[][];
    const organisationId = await organisationIdOf(DEMO_TENANT_ID);
    expect(rows).toHaveLength(1 + (await prisma().service.count({ where: { organisationId } })));
    expect(rows.map((row) => row[1])).toContain(demo.jan.email);
    const fileCard = accepted.replies.map((sent) => sent.activity.attachments?.[0]).find((attachment) => attachment?.contentType === 'application/vnd.microsoft.teams.card.file.info');
    expect(fileCard).toEqual({
      contentType: 'application/vnd.microsoft.teams.card.file.info',
      contentUrl: 'https://onedrive.example/personal/ann/overview.csv',
      name: consent.name,
      content: { uniqueId: 'file-1', fileType: 'csv' },
    });

    // Teams retries the invoke: the file is not uploaded nor shown twice.
    const again = await accept(consent.content.acceptContext);
    expect(session.uploads).toHaveLength(1);
    expect(again.replies.map((sent) => sent.activity.text)).toEqual(['That file was already sent above.']);

    const declined = await bot.post(teamsActivity(bot.serviceUrl(), ann, {
      type: 'invoke', name: 'fileConsent/invoke', value: { type: 'fileUpload', action: 'decline', context: consent.content.declineContext },
    }));
    expect(declined.replies.map((sent) => sent.activity.text)).toEqual(["All right, I won't send the file."]);
    expect(session.uploads).toHaveLength(1);
  } finally {
    await session.close();
  }
});

test('Export in the web chat: the CSV arrives as an attachment of the message, sent once per press', async () => {
  const organisationId = await organisationIdOf(DEMO_TENANT_ID);
  const submit = (data: Json) => bot.post({ ...teamsActivity(bot.serviceUrl(), ann, { type: 'message', value: data }), channelId: 'webchat' });
  const data = { verb: Verbs.overview.export, organisationId, requestKey: 'web-export-0001' };
  const { replies } = await submit(data);
  const message = replies.find((sent) => sent.activity.attachments?.[0]?.contentType === 'text/csv')!;
  expect(message.activity.text).toMatch(/^Here is the overview of Demo Company NV as a CSV file \(\d+ services\)\.$/);
  const attachment = message.activity.attachments[0];
  expect(attachment.name).toMatch(/^overview-demo-company-nv-.*\.csv$/);
  const prefix = 'data:text/csv;charset=utf-8;base64,';
  expect(attachment.contentUrl.startsWith(prefix)).toBe(true);
  const rows = parse(Buffer.from(attachment.contentUrl.slice(prefix.length), 'base64').toString('utf8'), { bom: true }) as string[][];
  expect(rows[0]).toEqual(['Name', 'Email', 'Product', 'Service type', 'State', 'Mobile number', 'Added', 'Scheduled start', 'Activation started', 'Activated', 'Ended']);
  expect(rows).toHaveLength(1 + (await prisma().service.count({ where: { organisationId } })));

  const twice = await submit(data);
  expect(twice.replies.map((sent) => sent.activity.text)).toEqual(['That file was already sent above.']);
});

test('"services of Jan", typed by Ann, shows his service with where it stands', async () => {
  const replies = await bot.says(ann, 'services of Jan');
  const seen = replies.map((sent) => everythingIn(sent.activity.attachments));
  expect(seen).toHaveLength(1);
  expect(seen[0]!.texts[0]).toMatch(/^Jan Peeters/);
  expect(seen[0]!.buttons.map((button) => button.title)).toContain('Resend the activation email');
});
