import { demo, other, pieterPorting } from '../../prisma/demoData';
import { openPortingFix, portingIssuesReply, resubmitDataSchema, resubmitPortingFix } from '../../dialogs/portingIssues';
import type { Database } from '../../services/platform/db/database';
import { DONOR_STEP_JOB, simulatedDonors } from '../../services/simulators/donor';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { actorsOf, buttonOf, cardOf, formOf, inputOf, textOf, textsOf, titlesOf, underInput } from './see';

/** "Mobile porting issues", called directly: the list, "Fix" and "Send again", and who is refused. */

let db: Database;
let ann: Actor;
let sam: Actor;
let jan: Actor;
let olga: Actor;
let requestId: string;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ({ ann, sam, jan, olga } = await actorsOf(db, { ann: demo.ann.email, sam: demo.sam.email, jan: demo.jan.email, olga: other.olga.email }));
  requestId = (await db.prisma.portingRequest.findFirstOrThrow({ where: { e164: pieterPorting.e164 } })).id;
});

afterAll(async () => {
  await db?.close();
});

const refusal =
  'Proximus refused the transfer: the customer number given does not match the one Proximus has for this number. It is on a recent Proximus invoice.';
const deniedIn = {
  en: 'Sorry, that porting request is not one you can fix: only a fleet administrator of its organisation can.',
  nl: 'Sorry, je kunt deze overdrachtsaanvraag niet rechtzetten: dat kan alleen een vlootbeheerder van de organisatie.',
  fr: 'Désolé, vous ne pouvez pas corriger cette demande de transfert : seul un gestionnaire de flotte de son organisation le peut.',
};
const denials = () => db.prisma.auditEvent.count({ where: { action: 'porting.fix.denied', subjectId: requestId } });

describe('the list', () => {
  test("Ann sees Pieter's refused transfer: who, which number at which operator, why in plain words, and Fix", async () => {
    const list = cardOf(await portingIssuesReply(db.prisma, ann, 'en'));
    expect(textsOf(list)).toEqual([
      'Mobile porting issues',
      'One transfer of a number to Dstny was refused in Demo Company NV. Fix its details and send it again.',
      'Pieter Janssens · Dstny Mobile (Mobile) · 0475 38 19 46',
      expect.stringMatching(/^At Proximus, attempt 1, refused on \d{1,2} [A-Z][a-z]+$/),
      refusal,
    ]);
    expect(buttonOf(list, 'Fix')).toEqual({ title: 'Fix', verb: 'portingIssues.fix', data: { requestId } });
  });

  test.each([
    ['nl', 'Problemen met nummeroverdracht', 'Eén overdracht van een nummer naar Dstny werd geweigerd bij Demo Company NV.', /^Bij Proximus, poging 1, geweigerd op \d{1,2} [a-z]+$/, 'Rechtzetten'],
    ['fr', 'Problèmes de transfert de numéro', 'Un transfert de numéro vers Dstny a été refusé chez Demo Company NV.', /^Chez Proximus, tentative 1, refusée le \d{1,2} [a-zéû]+$/, 'Corriger'],
  ] as const)('in %s, the same list in its own words', async (language, title, intro, row, fix) => {
    const list = cardOf(await portingIssuesReply(db.prisma, ann, language));
    const [shownTitle, shownIntro, user, shownRow, reason] = textsOf(list);
    expect(shownTitle).toBe(title);
    expect(shownIntro).toMatch(new RegExp(`^${intro}`));
    expect(user).toBe(`Pieter Janssens · Dstny Mobile (${language === 'nl' ? 'Mobiel' : 'Mobile'}) · 0475 38 19 46`);
    expect(shownRow).toMatch(row);
    expect(reason).toMatch(/^Proximus (weigerde de overdracht|a refusé le transfert)/);
    expect(titlesOf(list)).toEqual([fix]);
  });

  test("Olga, administrator of Other Org BV, sees her own organisation's list, which has nothing to fix", async () => {
    expect(textOf(await portingIssuesReply(db.prisma, olga, 'en'))).toBe('There are no refused porting requests in Other Org BV: nothing to fix.');
  });

  test('Sam, support, sees the list of the organisation he supports, without the Fix only administrators may use', async () => {
    const list = cardOf(await portingIssuesReply(db.prisma, sam, 'en'));
    expect(textsOf(list)).toContain('Pieter Janssens · Dstny Mobile (Mobile) · 0475 38 19 46');
    expect(titlesOf(list)).toEqual([]);
    // Told who fixes it, not asked to.
    expect(textsOf(list)).toContain('One transfer of a number to Dstny was refused in Demo Company NV. Its fleet administrator fixes the details and sends it again.');
  });

  test('Jan, an employee, asking for the list is refused in his own language', async () => {
    expect(textOf(await portingIssuesReply(db.prisma, jan, 'nl'))).toBe(deniedIn.nl);
  });
});

describe('Fix', () => {
  test('the details as they were sent, the refused customer number marked right under its field, and the two buttons', async () => {
    const fix = cardOf(await openPortingFix(db.prisma, ann, requestId, 'en'));
    expect(textsOf(fix).slice(0, 2)).toEqual([
      'Fix the transfer of 0475 38 19 46',
      "For Pieter Janssens. The details are filled in as they were sent; correct the marked one and send the request again. The refused attempt stays in the service's history.",
    ]);
    expect(inputOf(fix, 'number').value).toBe(pieterPorting.e164);
    expect(inputOf(fix, 'holderName').value).toBe('Demo Company NV');
    expect(inputOf(fix, 'customerNumber').value).toBe(pieterPorting.submittedCustomerNumber);
    expect(underInput(fix, 'customerNumber')).toBe(refusal);
    expect(titlesOf(fix)).toEqual(['Send again', 'Back to the list']);
    expect(buttonOf(fix, 'Send again')).toMatchObject({ verb: 'portingIssues.resubmit', data: { requestId } });
    expect(buttonOf(fix, 'Back to the list')).toMatchObject({ verb: 'portingIssues.list' });
  });

  test.each([
    ['nl', 'Overdracht van 0475 38 19 46 rechtzetten', ['Opnieuw versturen', 'Terug naar de lijst']],
    ['fr', 'Corriger le transfert du 0475 38 19 46', ['Renvoyer', 'Retour à la liste']],
  ] as const)('in %s, its title and buttons in its own words', async (language, title, buttons) => {
    const fix = cardOf(await openPortingFix(db.prisma, ann, requestId, language));
    expect(textsOf(fix)[0]).toBe(title);
    expect(titlesOf(fix)).toEqual(buttons);
  });

  test("another organisation's administrator, support and an employee are refused in their language, and each attempt is audited", async () => {
    const before = await denials();
    expect(textOf(await openPortingFix(db.prisma, olga, requestId, 'en'))).toBe(deniedIn.en);
    expect(textOf(await openPortingFix(db.prisma, sam, requestId, 'fr'))).toBe(deniedIn.fr);
    expect(textOf(await openPortingFix(db.prisma, jan, requestId, 'nl'))).toBe(deniedIn.nl);
    expect(await denials()).toBe(before + 3);
  });

  test('an id that names no porting request is refused like a foreign one', async () => {
    expect(textOf(await openPortingFix(db.prisma, ann, '00000000-0000-4000-8000-000000000000', 'en'))).toBe(deniedIn.en);
  });
});

describe('Send again', () => {
  const deps = () => ({ db: db.prisma, donors: simulatedDonors(720) });
  /** What "Send again" sends, parsed as the bot parses a card's data before the dialog sees it. */
  const pressed = (values: Record<string, string>) => resubmitDataSchema.parse({ requestId, ...values });

  test("Olga's send, with Ann's card, is refused and sends nothing", async () => {
    const fix = cardOf(await openPortingFix(db.prisma, ann, requestId, 'en'));
    const before = await db.prisma.portingRequest.count();
    const replies = await resubmitPortingFix(deps(), olga, pressed(formOf(fix, { customerNumber: pieterPorting.customerNumber })), 'en');
    expect(replies.map(textOf)).toEqual([deniedIn.en]);
    expect(await db.prisma.portingRequest.count()).toBe(before);
  });

  test('a pre-check problem comes back next to its field with everything typed kept; the right number sends attempt 2, and the list empties', async () => {
    const fix = cardOf(await openPortingFix(db.prisma, ann, requestId, 'en'));

    const [blocked, ...nothingElse] = await resubmitPortingFix(deps(), ann, pressed(formOf(fix, { customerNumber: '', holderName: 'Demo Company' })), 'en');
    expect(nothingElse).toEqual([]);
    const blockedCard = cardOf(blocked);
    expect(textsOf(blockedCard)).toContain('A subscription needs the customer number at Proximus: it is on every invoice from Proximus.');
    expect(inputOf(blockedCard, 'holderName').value).toBe('Demo Company');
    expect(await db.prisma.portingRequest.count({ where: { e164: pieterPorting.e164 } })).toBe(1);

    const corrected = pressed(formOf(blockedCard, { customerNumber: pieterPorting.customerNumber, holderName: 'Demo Company NV', wishDate: '' }));
    const [sent, list] = await resubmitPortingFix(deps(), ann, corrected, 'en');
    // The form becomes what was done: read-only, nothing left to change or press.
    const done = cardOf(sent);
    expect(textsOf(done)).toEqual([
      'Transfer of 0475 38 19 46 sent again',
      "The corrected request to transfer 0475 38 19 46 for Pieter Janssens has been sent to Proximus (attempt 2). You'll hear from me when Proximus answers.",
    ]);
    expect(formOf(done)).toEqual({});
    expect(titlesOf(done)).toEqual([]);
    expect(textOf(list)).toBe('There are no refused porting requests in Demo Company NV: nothing to fix.');
    // The donor's answer is on its way: the simulated Proximus has its next step scheduled.
    const attempt2 = await db.prisma.portingRequest.findFirstOrThrow({ where: { e164: pieterPorting.e164, attempt: 2 } });
    expect(await db.prisma.job.count({ where: { kind: DONOR_STEP_JOB, payload: { path: ['requestId'], equals: attempt2.id } } })).toBe(1);

    // A double click, or the old Fix opened again, sends nothing more and says so.
    expect((await resubmitPortingFix(deps(), ann, corrected, 'fr')).map(textOf)).toEqual([
      'Cette demande a déjà été corrigée et renvoyée (tentative 2) : rien de plus n\'a été envoyé.',
    ]);
    expect(textOf(await openPortingFix(db.prisma, ann, requestId, 'nl'))).toBe(
      'Deze aanvraag werd al verbeterd en opnieuw verstuurd (poging 2); er werd niets meer verstuurd.',
    );
    expect(await db.prisma.portingRequest.count({ where: { e164: pieterPorting.e164 } })).toBe(2);
  });
});
