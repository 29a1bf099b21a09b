import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { demo, DEMO_TENANT_ID } from '../../prisma/demoData';
import { templateColumns, type RowCells } from '../../services/bulkImport/importFile';
import { toCsv } from '../../services/fleet/csv';
import { expectValidCard } from '../support/adaptiveCards';
import { useBotUnderTest } from '../support/botUnderTest';
import { bulkEmail, bulkIccid, prepareOrganisation } from '../support/bulkImportFile';
import { teamsActivity, whatTheySee, type SentActivity } from '../support/connector';
import { signIn } from '../support/webSession';

type Json = Record<string, any>;

const bot = useBotUnderTest('bulk-import');
const ann = { aadObjectId: demo.ann.aadObjectId, tenantId: DEMO_TENANT_ID, name: 'Ann Admin' };
const CONSENT = 'application/vnd.microsoft.teams.card.file.consent';
const FILE_INFO = 'application/vnd.microsoft.teams.card.file.info';

/** A stand-in for SharePoint on the connector's host: serves the files people send, takes the files the bot uploads. */
async function fileServer() {
  const files = new Map<string, Buffer>();
  const uploads: Array<{ path: string; body: Buffer; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (req.method === 'PUT') {
        uploads.push({ path, body: Buffer.concat(chunks), headers: req.headers });
        res.writeHead(201);
        res.end('{}');
        return;
      }
      const file = files.get(path);
      res.writeHead(file ? 200 : 404, file ? { 'content-length': file.length } : {});
      res.end(file);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, files, uploads, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
let sharePoint: Awaited<ReturnType<typeof fileServer>>;

const blank = (): RowCells => Object.fromEntries(templateColumns.map((column) => [column, ''])) as RowCells;
const row = (n: number, change: Partial<RowCells> = {}): RowCells => ({
  ...blank(), user_email: bulkEmail(n), product_type: 'Dstny Mobile', service_type: 'Mobile', bundle: 'Mobile S',
  number_option: 'new', activation_method: 'email', activation_when: 'later', ...change,
});
const csvOf = (rows: RowCells[]) => toCsv([...templateColumns], rows.map((cells) => templateColumns.map((column) => cells[column])));

/** Twelve rows: ten valid (two started now with their SIM card), one unknown user, one bundle outside the catalog. */
const migration = csvOf([
  ...Array.from({ length: 10 }, (_, n) => row(n, n < 2 ? { sim_card_number: bulkIccid(n), activation_method: 'automatic', activation_when: 'now' } : {})),
  row(10, { user_email: 'nobody@demo.example' }),
  row(11, { bundle: 'Mobile XXL' }),
]);

beforeAll(async () => {
  sharePoint = await fileServer();
  await prepareOrganisation(bot.bot().db.prisma, 40);
});
afterAll(async () => {
  await sharePoint.close();
});

const cardOf = (sent: SentActivity | Json | undefined) => (sent && 'activity' in sent ? sent.activity : sent)?.attachments?.[0]?.content as Json;
const buttonsOf = (card: Json): Json[] => [...(card.actions ?? []), ...(card.body ?? []).flatMap((element: Json) => element.actions ?? [])];
const buttonOf = (card: Json, title: string) => {
  const found = buttonsOf(card).find((action) => action.title === title);
  if (!found) throw new Error(`no button "${title}" among ${buttonsOf(card).map((action) => action.title).join(', ')}`);
  return found;
};

/** Teams sends a file in the personal chat: a download link to where it stored the file. */
async function sendsFile(name: string, content: string | Buffer) {
  sharePoint.files.set(`/files/${name}`, Buffer.from(content));
  return bot.post(teamsActivity(bot.serviceUrl(), ann, {
    type: 'message',
    text: '',
    attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', name, contentUrl: `${sharePoint.base}/files/${name}`, content: { downloadUrl: `${sharePoint.base}/files/${name}`, uniqueId: name, fileType: name.split('.').pop() } }],
  }));
}

/** Ann accepts a consent card: the bot uploads the file to the session Teams opened. */
async function accepts(consent: Json, name: string) {
  return bot.post(teamsActivity(bot.serviceUrl(), ann, {
    type: 'invoke',
    name: 'fileConsent/invoke',
    value: {
      type: 'fileUpload', action: 'accept', context: consent.content.acceptContext,
      uploadInfo: { name, uploadUrl: `${sharePoint.base}/upload/${name}`, contentUrl: `https://contoso.sharepoint.com/personal/ann/${name}`, uniqueId: name, fileType: 'csv' },
    },
  }));
}

/** An Action.Execute as Teams sends it, from the message `replyToId` that holds the card. */
async function presses(button: Json, inputs: Json = {}, replyToId = 'report-card-message') {
  const value = { action: { type: 'Action.Execute', verb: button.verb, data: { ...button.data, ...inputs } }, trigger: 'manual' };
  const { body, replies } = await bot.post(teamsActivity(bot.serviceUrl(), ann, { type: 'invoke', name: 'adaptiveCard/action', replyToId, value }));
  return { card: body?.value as Json, text: body?.value as string, replies };
}

test('Teams, from template to summary: the template as a file, the report of a file sent, its CSV, the confirmation, progress in place and one summary', async () => {
  // Typed words open the feature; the template comes through the file consent card.
  const [intro] = await bot.says(ann, 'I want to import our services from a spreadsheet');
  expectValidCard(cardOf(intro));
  expect(whatTheySee(intro!).buttons).toEqual(['Template (CSV)', 'Template (Excel)']);
  const template = await presses(buttonOf(cardOf(intro), 'Template (CSV)'));
  expect(template.text).toBe('Accept the file above to save it in your OneDrive.');
  const consent = template.replies.map((sent) => sent.activity.attachments?.[0]).find((attachment) => attachment?.contentType === CONSENT);
  expect(consent.name).toBe('services-template.csv');
  const accepted = await accepts(consent, 'services-template.csv');
  expect(parse(sharePoint.uploads.at(-1)!.body, { bom: true })).toEqual([[...templateColumns]]);
  expect(accepted.replies.map((sent) => sent.activity.attachments?.[0]?.contentType)).toEqual([FILE_INFO]);

  // The filled file comes back; the report names the two rows that need fixing.
  const { replies: [report] } = await sendsFile('migration.csv', migration);
  const reportCard = cardOf(report);
  expectValidCard(reportCard);
  const seen = whatTheySee(report!).texts.join('\n');
  expect(seen).toContain('10 of 12 rows are valid.');
  expect(JSON.stringify(reportCard)).toContain('"Row 12"');
  expect(JSON.stringify(reportCard)).toContain('user_email: No one in your organisation has the email nobody@demo.example.');
  expect(JSON.stringify(reportCard)).toContain('bundle: \\"Mobile XXL\\" is not a bundle of Mobile. Expected one of: Mobile S, Mobile M, Mobile L.');
  expect(whatTheySee(report!).buttons).toEqual(['Create 10 services', 'Download the report (CSV)', 'Cancel']);
  expect(await bot.bot().db.prisma.service.count({ where: { user: { email: { startsWith: 'bulk.employee.' } } } })).toBe(0);

  // The report as a CSV with the error column.
  const reportConsent = (await presses(buttonOf(reportCard, 'Download the report (CSV)'))).replies
    .map((sent) => sent.activity.attachments?.[0]).find((attachment) => attachment?.contentType === CONSENT);
  await accepts(reportConsent, 'migration-errors.csv');
  const rows = parse(sharePoint.uploads.at(-1)!.body, { bom: true }) as string[][];
  expect(rows[0]).toEqual([...templateColumns, 'error']);
  expect(rows.slice(1).map((cells) => [cells[0], cells.at(-1)])).toEqual([
    ['nobody@demo.example', 'user_email: No one in your organisation has the email nobody@demo.example. Expected the email of one of your employees, or, to add them as a new user, their name in the user_name column.'],
    [bulkEmail(11), 'bundle: "Mobile XXL" is not a bundle of Mobile. Expected one of: Mobile S, Mobile M, Mobile L.'],
  ]);

  // Confirmed: the progress card takes the report card's place and is updated there; then one summary.
  const confirm = buttonOf(reportCard, 'Create 10 services');
  const confirmed = await presses(confirm, { start: 'AS_IN_FILE' });
  expectValidCard(confirmed.card);
  expect(confirmed.card.body[0].text).toBe('Creating services from migration.csv');
  // A double click confirms nothing more.
  expect((await presses(confirm, { start: 'AS_IN_FILE' })).text).toBe('This import was already confirmed.');

  const summary = await bot.connector().waitFor((sent) => (sent.activity.text ?? '').startsWith('Import of migration.csv finished.'), 30_000);
  expect(summary.activity.text.split('\n\n')).toEqual([
    'Import of migration.csv finished.',
    '10 services created.',
    '2 started now.',
    '8 wait in "Services waiting for activation" until you start them.',
    'From now on, their activation and porting progress comes as one message, updated as it goes.',
  ]);
  const updates = bot.connector().sent.filter((sent) => sent.method === 'PUT' && sent.activityId === 'report-card-message');
  expect(updates.length).toBeGreaterThan(0);
  const last = cardOf(updates.at(-1));
  expectValidCard(last);
  expect(whatTheySee(updates.at(-1)!).texts).toEqual(['Creating services from migration.csv', '10 of 10', 'Created: 10 · Failed: 0', 'Done: 10 services created, 0 failed.']);
  expect(await bot.bot().db.prisma.service.count({ where: { user: { email: { startsWith: 'bulk.employee.' } } } })).toBe(10);
}, 60_000);

test('Teams: files that are not an import get a clear answer', async () => {
  // The answers to this file only: an earlier import's progress card may be updated (PUT) while a big file is read.
  const answers = async (name: string, content: string | Buffer) =>
    (await sendsFile(name, content)).replies.filter((sent) => sent.method === 'POST').map((sent) => sent.activity.text);
  expect(await answers('photo.png', 'PNG')).toEqual(['I can only read CSV or Excel (.xlsx) files. Please save the file in one of those formats and send it again.']);
  expect(await answers('empty.csv', '')).toEqual(['This file has no rows to import. Fill in one row per service below the header and send it again.']);
  expect(await answers('wrong.csv', 'email,product\r\nx,y\r\n')).toEqual([expect.stringMatching(/^The columns of this file are not the template's\. Missing: user_email, product_type, .* and activation_when\. Not expected: email and product\. Please start from the template\.$/)]);
  expect(await answers('big.csv', `${templateColumns.join(',')}\r\n`.padEnd(5 * 1024 * 1024 + 100, '#'))).toEqual(['This file is larger than 5 MB. Please split it into smaller files.']);
});

test('Teams: a file link to another host is not fetched, and an employee cannot import', async () => {
  const elsewhere = await bot.post(teamsActivity(bot.serviceUrl(), ann, {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'x.csv', content: { downloadUrl: 'http://169.254.169.254/latest/meta-data', uniqueId: 'x', fileType: 'csv' } }],
  }));
  expect(elsewhere.replies.map((sent) => sent.activity.text)).toEqual(['I could not download this file. Please send it again.']);
  const jan = { aadObjectId: demo.jan.aadObjectId, tenantId: DEMO_TENANT_ID };
  sharePoint.files.set('/files/jan.csv', Buffer.from(migration));
  const byJan = await bot.post(teamsActivity(bot.serviceUrl(), jan, {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'jan.csv', content: { downloadUrl: `${sharePoint.base}/files/jan.csv`, uniqueId: 'j', fileType: 'csv' } }],
  }));
  // Jan reads Dutch.
  expect(byJan.replies.map((sent) => sent.activity.text)).toEqual(['Alleen de vlootbeheerders van je organisatie kunnen diensten uit een bestand toevoegen.']);
});

describe('the web chat', () => {
  async function directLine(method: string, route: string, token: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${bot.bot().url}/v3/directline${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as Json;
  }

  test('Ann downloads the template as an attachment, uploads the file, confirms, and sees progress and the summary', async () => {
    const { html } = await signIn(bot.bot().adminLink);
    const token = /<meta name="webchat-token" content="([A-Za-z0-9_-]{43})">/.exec(html)![1]!;
    const { conversationId } = await directLine('POST', '/conversations', token, { user: { id: 'web-user' }, locale: 'en-US' });
    let watermark = '';
    const fromBot = async (done: (activities: Json[]) => boolean): Promise<Json[]> => {
      const seen: Json[] = [];
      for (let attempt = 0; attempt < 300; attempt += 1) {
        const page = await directLine('GET', `/conversations/${conversationId}/activities?watermark=${watermark}`, token);
        watermark = page.watermark;
        seen.push(...(page.activities as Json[]).filter((activity) => activity.from?.role === 'bot'));
        if (done(seen)) return seen;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`the bot did not send what was expected: ${JSON.stringify(seen.map((activity) => activity.text ?? activity.attachments?.[0]?.contentType))}`);
    };
    const submit = (data: Json) => directLine('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', value: data });
    await fromBot((activities) => activities.length > 0); // the welcome
    // Each step's answer, found by what it is: a welcome or a step sent in more than one activity may still be arriving.
    const answer = async (is: (activity: Json) => boolean) => (await fromBot((activities) => activities.some(is))).find(is)!;
    const hasButton = (title: string) => (activity: Json) => activity.attachments?.[0]?.content && buttonsOf(cardOf(activity)).some((action) => action.title === title);

    await directLine('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text: 'add services from a file' });
    const intro = await answer(hasButton('Template (Excel)'));
    const templateButton = buttonOf(cardOf(intro), 'Template (Excel)');
    expect(templateButton.type).toBe('Action.Submit');
    await submit(templateButton.data);
    const templateMessage = await answer((activity) => activity.attachments?.[0]?.name === 'services-template.xlsx');
    expect(templateMessage!.text).toBe('Here is the template. Fill in one row per service and send it back to me.');
    expect(templateMessage!.attachments[0]).toMatchObject({ name: 'services-template.xlsx', contentUrl: expect.stringMatching(/^data:application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet;base64,UEsD/) });

    // Web Chat's upload: the activity and the file in one multipart request.
    const file = csvOf(Array.from({ length: 3 }, (_, n) => row(20 + n)));
    const form = new FormData();
    form.append('activity', new Blob([JSON.stringify({ type: 'message', from: { id: 'web-user' }, attachments: [{ contentType: 'text/csv', name: 'web.csv' }] })], { type: 'application/vnd.microsoft.activity' }), 'blob');
    form.append('file', new Blob([file], { type: 'text/csv' }), 'web.csv');
    const uploaded = await fetch(`${bot.bot().url}/v3/directline/conversations/${conversationId}/upload?userId=web-user`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
    expect(uploaded.status).toBe(200);
    const report = await answer(hasButton('Create 3 services'));
    expectValidCard(cardOf(report));
    expect(JSON.stringify(cardOf(report))).toContain('3 of 3 rows are valid.');
    // The transcript keeps the file's name, not its content.
    const transcript = await directLine('GET', `/conversations/${conversationId}/activities`, token);
    const mine = (transcript.activities as Json[]).find((activity) => activity.attachments?.[0]?.name === 'web.csv');
    expect(mine?.attachments).toEqual([{ name: 'web.csv', contentType: 'text/csv' }]);

    await submit({ ...buttonOf(cardOf(report), 'Create 3 services').data, start: 'LATER' });
    const progress = await answer((activity) => JSON.stringify(activity.attachments ?? []).includes('Creating services from web.csv'));
    expect(cardOf(progress).body[0].text).toBe('Creating services from web.csv');
    const later = await fromBot((activities) => activities.some((activity) => (activity.text ?? '').startsWith('Import of web.csv finished.')));
    const summary = later.find((activity) => (activity.text ?? '').startsWith('Import of web.csv finished.'))!;
    expect(summary.text).toContain('3 wait in "Services waiting for activation" until you start them.');
    // The progress card was updated in place: delivered again under its id, finished.
    const updated = later.filter((activity) => activity.id === progress!.id).at(-1) ?? progress!;
    expect(JSON.stringify(cardOf(updated))).toContain('Done: 3 services created, 0 failed.');
  }, 60_000);

  test('an upload over the limit is refused before it is read', async () => {
    const { token, conversationId } = await directLine('POST', '/tokens/generate', '');
    const form = new FormData();
    form.append('activity', new Blob([JSON.stringify({ type: 'message' })], { type: 'application/vnd.microsoft.activity' }), 'blob');
    form.append('file', new Blob([Buffer.alloc(6 * 1024 * 1024 + 1, 65)], { type: 'text/csv' }), 'huge.csv');
    const response = await fetch(`${bot.bot().url}/v3/directline/conversations/${conversationId}/upload`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: 'BadArgument', message: 'The upload is larger than 6291456 bytes.' } });
  });
});
