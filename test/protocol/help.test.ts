import type { Language } from '../../cards/strings';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import { articleFor, type Topic } from '../../dialogs/knowledge/knowledgeBase';
import { expectValidCard } from '../support/adaptiveCards';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type SentActivity, type TeamsPerson } from '../support/connector';

const person = (aadObjectId: string, name: string, tenantId = DEMO_TENANT_ID): TeamsPerson => ({ tenantId, aadObjectId, name });
const jan = person(demo.jan.aadObjectId, 'Jan Peeters');
const marie = person(demo.marie.aadObjectId, 'Marie Dubois');
const pieter = person(demo.pieter.aadObjectId, 'Pieter Janssens');
const luc = person(demo.luc.aadObjectId, 'Luc Lemaire');
const oscar = person(other.oscar.aadObjectId, 'Oscar Olsen', OTHER_TENANT_ID);

const { bot, says, presses: press } = useBotUnderTest('help');

// These conversations are about the language a person writes in, which a stored preference would outrank
// (test/protocol/language.test.ts): Luc and Pieter keep none here.
beforeAll(async () => {
  await bot().db.prisma.person.updateMany({ where: { email: { in: [demo.luc.email, demo.pieter.email] } }, data: { preferredLanguage: null } });
});

type Json = Record<string, any>;

/** What the person reads in the invoke's answer: its text, or its card's texts and buttons. */
function answerSeen(answer: Json): { texts: string[]; actions: Json[] } {
  if (answer.type === 'application/vnd.microsoft.activity.message') return { texts: [answer.value], actions: [] };
  expectValidCard(answer.value);
  return { texts: answer.value.body.map((element: Json) => element.text), actions: answer.value.actions ?? [] };
}

const button = (actions: Json[], title: string) => {
  const found = actions.find((action) => action.title === title);
  if (!found) throw new Error(`no button "${title}" among ${actions.map((action) => action.title).join(', ')}`);
  return found;
};

describe('every knowledge-base answer, asked in each language', () => {
  const questions: Array<[Language, string, Topic]> = [
    ['en', 'my phone shows no network', 'noNetwork'],
    ['nl', 'mijn telefoon heeft geen netwerk', 'noNetwork'],
    ['fr', 'mon téléphone n\'a aucun réseau', 'noNetwork'],
    ['en', 'no mobile internet', 'mobileData'],
    ['nl', 'geen internet', 'mobileData'],
    ['fr', 'internet ne marche pas', 'mobileData'],
    ['en', 'how do I change the pin', 'pin'],
    ['nl', 'pincode wijzigen', 'pin'],
    ['fr', 'changer le code pin', 'pin'],
    ['en', 'how do I set up my voicemail', 'voicemail'],
    ['nl', 'voicemail instellen', 'voicemail'],
    ['fr', 'configurer la messagerie vocale', 'voicemail'],
    ['en', 'I never received the activation email', 'emailMissing'],
    ['nl', 'geen activatiemail ontvangen', 'emailMissing'],
    ['fr', 'pas reçu le mail', 'emailMissing'],
    ['en', 'how long does the activation take', 'activationTime'],
    ['nl', 'hoe lang duurt de activatie', 'activationTime'],
    ['fr', 'combien de temps prend l\'activation', 'activationTime'],
    ['en', 'when do I put the new sim in', 'simSwap'],
    ['nl', 'wanneer steek ik de nieuwe sim in', 'simSwap'],
    ['fr', 'quand mettre la nouvelle sim', 'simSwap'],
    ['en', 'the activation link expired', 'linkExpired'],
    ['nl', 'de activatielink is verlopen', 'linkExpired'],
    ['fr', 'le lien d\'activation a expiré', 'linkExpired'],
    ['en', 'why was my porting refused', 'portingRefused'],
    ['nl', 'waarom is mijn portering geweigerd', 'portingRefused'],
    ['fr', 'pourquoi mon portage a été refusé', 'portingRefused'],
    ['en', 'where is the sim card number', 'simNumberLocation'],
    ['nl', 'waar staat het simkaartnummer', 'simNumberLocation'],
    ['fr', 'où est le numéro de la carte sim', 'simNumberLocation'],
    ['en', 'can my phone take an esim', 'esimSupport'],
    ['nl', 'ondersteunt mijn telefoon esim', 'esimSupport'],
    ['fr', "mon téléphone accepte l'esim ?", 'esimSupport'],
    ['en', 'how do I install the eSIM', 'esimInstall'],
    ['nl', 'hoe installeer ik de eSIM', 'esimInstall'],
    ['fr', "comment installer l'eSIM", 'esimInstall'],
    ['en', "the eSIM QR code won't scan", 'esimQrScan'],
    ['nl', 'de QR-code van de eSIM scant niet', 'esimQrScan'],
    ['fr', "le QR code de l'eSIM ne se scanne pas", 'esimQrScan'],
  ];

  it.each(questions)('[%s] "%s" is answered with the %s article in that language', async (language, text, topic) => {
    // Without a stored preference, the answer follows the language Luc writes in.
    const replies = await says(luc, text);
    expect(replies).toHaveLength(1);
    const article = articleFor(language, topic);
    expect(replies[0]!.activity.text).toBe(`**${article.title}**\n\n${article.body}`);
  });

  it('gives the APN values, the voicemail number and the activation times', async () => {
    expect((await says(luc, 'APN settings'))[0]!.activity.text).toContain('internet.dstny.be');
    expect((await says(luc, 'voicemail'))[0]!.activity.text).toContain('9999');
    expect((await says(luc, 'how long does activation take'))[0]!.activity.text).toMatch(/an hour.*two days/);
  });

  it('answers "eSIM" alone with an eSIM article, and "I want an eSIM" with whether the phone can take one', async () => {
    const esimArticles = (['en', 'nl', 'fr'] as const).flatMap((language) =>
      (['esimSupport', 'esimInstall', 'esimQrScan'] as const).map((topic) => articleFor(language, topic)),
    );
    const [alone, ...more] = await says(luc, 'eSIM');
    expect(more).toEqual([]);
    expect(esimArticles.map((article) => `**${article.title}**\n\n${article.body}`)).toContain(alone!.activity.text);
    const wanted = await says(luc, 'I want an eSIM');
    expect(wanted.map((reply) => reply.activity.text)).toEqual([`**Does your phone support eSIM?**\n\n${articleFor('en', 'esimSupport').body}`]);
  });
});

describe('guided troubleshooting on the real service', () => {
  /** "It doesn't work", then the problem chosen on the card. */
  async function troubleshoot(who: TeamsPerson, text: string, problemTitle: string) {
    const [card] = await says(who, text);
    const question = whatTheySee(card!);
    const chosen = await press(who, button(question.actions, problemTitle));
    return { question, chosen };
  }

  it('Jan, waiting for his SIM card number, is told so in Dutch, with no phone steps', async () => {
    const { question, chosen } = await troubleshoot(jan, 'mijn sim werkt niet', 'Bellen');
    expect(question.texts).toContain('Wat werkt er niet?');
    expect(question.buttons).toEqual(['Bellen', 'Mobiele data', "Sms'en", 'Pincode']);
    const seen = answerSeen(chosen.answer);
    expect(seen.texts.join(' ')).toMatch(/wacht nog op je simkaartnummer.*een uur, tot twee dagen/);
    expect(seen.actions.map((action) => action.title)).toEqual(['Mijn vlootbeheerder contacteren']);
  });

  it('Marie, whose activation her administrator has not started, is told so in French', async () => {
    const { chosen } = await troubleshoot(marie, 'ça ne marche pas', 'Appels');
    expect(answerSeen(chosen.answer).texts.join(' ')).toMatch(/n'a pas encore démarré son activation/);
  });

  it('Pieter, whose porting was refused, hears why, and can have his administrator told', async () => {
    const { chosen } = await troubleshoot(pieter, 'het werkt niet', 'Mobiele data');
    const seen = answerSeen(chosen.answer);
    expect(seen.texts.join(' ')).toMatch(/De overdracht van je nummer is geweigerd: Proximus weigerde de overdracht/);

    const contacted = await press(pieter, button(seen.actions, 'Mijn vlootbeheerder contacteren'));
    expect(answerSeen(contacted.answer).texts[0]).toMatch(/^Ik heb je vlootbeheerder \(Ann Admin\) een bericht gestuurd/);
    const notifications = await bot().db.prisma.notification.findMany({ where: { kind: 'help.escalated' }, include: { recipient: true } });
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.recipient.email).toBe(demo.ann.email);
    expect(notifications[0]!.payload).toMatchObject({
      requestedBy: { name: 'Pieter Janssens' },
      topic: 'data',
      service: { status: 'WAITING_FOR_PORTING', porting: 'REFUSED' },
    });

    // A double click sends nothing more.
    const again = await press(pieter, button(seen.actions, 'Mijn vlootbeheerder contacteren'));
    expect(answerSeen(again.answer).texts[0]).toBe('Je vlootbeheerder (Ann Admin) heeft dit bericht al.');
    expect(await bot().db.prisma.notification.count({ where: { kind: 'help.escalated' } })).toBe(1);
  });

  it('Luc, whose line is active, walks the steps one at a time; when none helps, his administrator gets what he tried', async () => {
    const { chosen } = await troubleshoot(luc, 'my phone does not work', 'Calls');
    expect(chosen.followUps.map((sent) => sent.activity.text)).toEqual([]);
    let step = answerSeen(chosen.answer);
    // Teams shows the first reply in place of the card; the step card follows as a message.
    expect(step.texts[0]).toBe('Your service is active, so let\'s look at your phone, one step at a time.');
    const steps = articleFor('en', 'noNetwork').steps;
    const stepCard = async (answer: Json, followUps: SentActivity[]) => (answer.type === 'application/vnd.microsoft.card.adaptive' ? answerSeen(answer) : whatTheySee(followUps[0]!));
    step = await stepCard(chosen.answer, chosen.followUps);
    expect(step.texts).toEqual(['Step 1 of 3', steps[0]]);

    const second = await press(luc, button(step.actions, 'Still not working'));
    step = answerSeen(second.answer);
    expect(step.texts).toEqual(['Step 2 of 3', steps[1]]);
    // An older card's button is refused.
    const stale = await press(luc, { verb: 'help.step', data: { ...button(step.actions, 'Still not working').data, step: 0 } });
    expect(answerSeen(stale.answer).texts[0]).toMatch(/belongs to an earlier question/);

    const third = await press(luc, button(step.actions, 'Still not working'));
    step = answerSeen(third.answer);
    expect(step.texts).toEqual(['Step 3 of 3', steps[2]]);
    const last = await press(luc, button(step.actions, 'Still not working'));
    step = answerSeen(last.answer);
    expect(step.texts).toEqual(["That didn't solve it", steps[3]]);

    await press(luc, button(step.actions, 'Contact my fleet administrator'));
    const sent = await bot().db.prisma.notification.findFirstOrThrow({ where: { kind: 'help.escalated', recipient: { email: demo.ann.email }, payload: { path: ['requestedBy', 'name'], equals: 'Luc Lemaire' } } });
    expect(sent.payload).toMatchObject({ topic: 'calls', tried: steps.slice(0, 3), service: { status: 'ACTIVE' } });
  });

  it('a step that helped ends the guided help', async () => {
    const { chosen } = await troubleshoot(oscar, 'my SIM does not work', 'PIN code');
    const step = chosen.answer.type === 'application/vnd.microsoft.card.adaptive' ? answerSeen(chosen.answer) : whatTheySee(chosen.followUps[0]!);
    const solved = await press(oscar, button(step.actions, 'That helped'));
    expect(answerSeen(solved.answer).texts[0]).toMatch(/^Glad it works again/);
  });
});

describe('language and low confidence', () => {
  it('"speak Dutch" makes Dutch the preferred language', async () => {
    const [reply] = await says(oscar, 'please speak Dutch');
    expect(reply!.activity.text).toBe('Vanaf nu spreek ik Nederlands met je.');
    const person = await bot().db.prisma.person.findFirstOrThrow({ where: { email: other.oscar.email } });
    expect(person.preferredLanguage).toBe('nl');
    expect((await says(oscar, 'en français'))[0]!.activity.text).toBe('Désormais, je vous parle en français.');
  });

  it('remembers the language last written in', async () => {
    await says(jan, 'how long does activation take');
    const person = await bot().db.prisma.person.findFirstOrThrow({ where: { email: demo.jan.email } });
    expect(person.lastLanguage).toBe('en');
  });

  it('offers the likeliest intents as buttons rather than guessing, and the chosen one answers', async () => {
    const [reply] = await says(luc, 'email sim');
    const seen = whatTheySee(reply!);
    expect(seen.texts).toEqual(["I'm not sure what you mean. Is it one of these?"]);
    expect(seen.buttons.length).toBeGreaterThanOrEqual(2);
    expect(seen.buttons.length).toBeLessThanOrEqual(3);
    const chosen = seen.actions[0]!;
    expect(chosen).toMatchObject({ verb: 'intent.choose', data: { text: 'email sim' } });
  });
});
