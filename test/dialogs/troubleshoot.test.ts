import crypto from 'node:crypto';
import { demo, other } from '../../prisma/demoData';
import { Verbs } from '../../cards/verbs';
import type { Reply } from '../../dialogs/reply';
import {
  afterStep,
  beginTroubleshooting,
  contactAdministrator,
  knowledgeAnswer,
  staleButton,
  troubleshootFeature,
  whatFails,
  type HelpFlow,
} from '../../dialogs/troubleshoot';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { featureTurn } from '../support/featureTurn';
import { openTestDatabase } from '../support/database';
import { actorsOf, buttonOf, buttonsOf, cardOf, textOf, textsOf, titlesOf, type Button } from './see';

/**
 * Guided help, called directly: what fails, the person's own service looked at first, the knowledge base's steps one
 * at a time, and the fleet administrator told when nothing helped.
 */

let db: Database;
let ann: Actor;
let jan: Actor;
let marie: Actor;
let pieter: Actor;
let luc: Actor;
let oscar: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ({ ann, jan, marie, pieter, luc, oscar } = await actorsOf(db, {
    ann: demo.ann.email,
    jan: demo.jan.email,
    marie: demo.marie.email,
    pieter: demo.pieter.email,
    luc: demo.luc.email,
    oscar: other.oscar.email,
  }));
});

afterAll(async () => {
  await db?.close();
});

const flowId = () => crypto.randomUUID();

describe('what fails', () => {
  test.each([
    ['en', "What isn't working?", ['Calls', 'Mobile data', 'Text messages (SMS)', 'PIN code']],
    ['nl', 'Wat werkt er niet?', ['Bellen', 'Mobiele data', "Sms'en", 'Pincode']],
    ['fr', "Qu'est-ce qui ne marche pas ?", ['Appels', 'Données mobiles', 'SMS', 'Code PIN']],
  ] as const)('in %s: the question and one button per problem, each carrying the flow it belongs to', (language, title, problems) => {
    const id = flowId();
    const { replies, flow } = whatFails(language, id);
    const card = cardOf(replies[0]);
    expect(textsOf(card)[0]).toBe(title);
    expect(titlesOf(card)).toEqual(problems);
    expect(buttonsOf(card).map((button) => [button.verb, button.data])).toEqual(
      ['calls', 'data', 'sms', 'pin'].map((problem) => ['help.problem', { flowId: id, problem }]),
    );
    expect(flow).toEqual({ flowId: id, step: 0, tried: [] });
  });
});

describe("the person's own service first", () => {
  test('Luc, whose line is active, is told so in French and gets the first step, with the two answers', async () => {
    const id = flowId();
    const { replies, flow } = await beginTroubleshooting(db.prisma, luc, 'fr', id, 'calls');
    expect(textOf(replies[0])).toBe('Votre service est actif : regardons votre téléphone, une étape à la fois.');
    const step = cardOf(replies[1]);
    expect(textsOf(step)).toEqual(['Étape 1 sur 3', 'Activez le mode avion, attendez dix secondes, puis désactivez-le.']);
    expect(titlesOf(step)).toEqual(['Ça a marché', 'Ça ne marche toujours pas']);
    expect(buttonsOf(step)[1]).toMatchObject({ verb: 'help.step', data: { flowId: id, step: 0, outcome: 'notSolved' } });
    expect(flow).toEqual({ flowId: id, problem: 'calls', step: 0, tried: [] });
  });

  test('Jan, whose service waits for his SIM card number, is told what to do in Dutch instead of phone settings', async () => {
    const { replies } = await beginTroubleshooting(db.prisma, jan, 'nl', flowId(), 'data');
    expect(replies).toHaveLength(1);
    const card = cardOf(replies[0]);
    expect(textsOf(card)).toEqual([
      'Je Dstny-dienst wacht nog op je simkaartnummer: de simkaart werkt pas als ze geactiveerd is. Zeg "activeer mijn sim" om het in te geven; de activatie duurt dan normaal een uur, tot twee dagen.',
    ]);
    expect(titlesOf(card)).toEqual(['Mijn vlootbeheerder contacteren']);
  });

  test('Marie, whose service waits for the administrator to start it, hears it in French', async () => {
    const card = cardOf((await beginTroubleshooting(db.prisma, marie, 'fr', flowId(), 'calls')).replies[0]);
    expect(textsOf(card)).toEqual([
      "Votre gestionnaire de flotte a préparé votre service mais n'a pas encore démarré son activation : votre carte SIM Dstny ne fonctionne donc pas encore. Utilisez votre ancienne carte SIM jusque-là.",
    ]);
    expect(titlesOf(card)).toEqual(['Contacter mon gestionnaire de flotte']);
  });

  test("Pieter, whose number's transfer was refused, hears why and that the administrator must correct it", async () => {
    const card = cardOf((await beginTroubleshooting(db.prisma, pieter, 'en', flowId(), 'calls')).replies[0]);
    expect(textsOf(card)).toEqual([
      expect.stringMatching(
        /^The transfer of your number was refused: Proximus refused the transfer: the customer number .+ Your fleet administrator must correct the request before your Dstny SIM card can work\. I can tell them\.$/,
      ),
    ]);
    expect(titlesOf(card)).toEqual(['Contact my fleet administrator']);
  });

  test("Pieter reads the donor's reason in Dutch, like the rest of the sentence", async () => {
    const card = cardOf((await beginTroubleshooting(db.prisma, pieter, 'nl', flowId(), 'calls')).replies[0]);
    expect(textsOf(card)[0]).toMatch(/^De overdracht van je nummer is geweigerd: Proximus weigerde de overdracht/);
  });

  test('Ann, who has no service of her own, is told so and gets the usual steps', async () => {
    const { replies } = await beginTroubleshooting(db.prisma, ann, 'en', flowId(), 'pin');
    expect(textOf(replies[0])).toBe("I don't find a service in your name, so I can't check it. Let's try the usual steps.");
    expect(textsOf(cardOf(replies[1]))).toEqual(['Step 1 of 2', 'Find the default PIN on the card holder of your SIM card.']);
  });
});

describe('one step at a time', () => {
  test('"That helped" ends the flow', () => {
    const flow: HelpFlow = { flowId: flowId(), problem: 'calls', step: 0, tried: [] };
    const { replies, flow: next } = afterStep('en', flow, 'solved');
    expect(replies.map(textOf)).toEqual(['Glad it works again! Ask me any time if something else comes up.']);
    expect(next).toBeUndefined();
  });

  test('"Still not working" goes to the next step, keeping what was tried; after the last, the offer to tell the administrator', () => {
    let flow: HelpFlow = { flowId: flowId(), problem: 'data', step: 0, tried: [] };
    const seen: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const turn = afterStep('nl', flow, 'notSolved');
      seen.push(textsOf(cardOf(turn.replies[0])));
      flow = turn.flow!;
    }
    expect(seen[0]![0]).toBe('Stap 2 van 3');
    expect(seen[0]![1]).toMatch(/^Stel de APN in/);
    expect(seen[1]).toEqual(['Stap 3 van 3', 'Zet de vliegtuigmodus aan en uit, of herstart je gsm.']);
    expect(seen[2]).toEqual([
      'Dat loste het niet op',
      'Nog steeds geen mobiele data? Neem contact op met je vlootbeheerder: die contacteert Dstny voor jou.',
    ]);
    expect(flow.tried).toHaveLength(3);
    expect(flow.tried[2]).toBe('Zet de vliegtuigmodus aan en uit, of herstart je gsm.');
  });

  test('a button of an earlier question is answered with a sentence', () => {
    expect(textOf(staleButton('en'))).toBe("That button belongs to an earlier question. Tell me what isn't working to start again.");
    expect(textOf(staleButton('fr'))).toBe("Ce bouton appartient à une question précédente. Dites-moi ce qui ne marche pas pour recommencer.");
  });
});

describe('the fleet administrator', () => {
  test('Luc\'s request reaches Ann once, with what he tried; a second press says it is already there', async () => {
    const flow: HelpFlow = { flowId: flowId(), problem: 'calls', step: 3, tried: ['Restart your phone.'] };
    const requestKey = `help:${flow.flowId}`;
    expect(textOf(await contactAdministrator(db.prisma, luc, 'en', { requestKey, flow }))).toBe(
      "I've sent your fleet administrator (Ann Admin) a message saying what isn't working, what you tried and where your service stands. They will get back to you.",
    );
    expect(textOf(await contactAdministrator(db.prisma, luc, 'fr', { requestKey, flow }))).toBe('Votre gestionnaire de flotte (Ann Admin) a déjà ce message.');
    const escalations = await db.prisma.escalation.findMany({ where: { requestKey } });
    expect(escalations.map((escalation) => [escalation.topic, escalation.tried])).toEqual([['calls', ['Restart your phone.']]]);
  });

  test("an employee of Other Org BV reaches his own administrator, never Demo Company NV's", async () => {
    expect(textOf(await contactAdministrator(db.prisma, oscar, 'en', { requestKey: `help:${flowId()}` }))).toMatch(/\(Olga Other\)/);
  });

  test('an organisation without an administrator in the assistant is pointed to Dstny support', async () => {
    const lonely = await db.prisma.organisation.create({ data: { name: 'Lonely BVBA', tenantId: crypto.randomUUID() } });
    const employee = await db.prisma.person.create({
      data: { organisationId: lonely.id, role: 'USER', email: 'solo@lonely.example', displayName: 'Solo Employee' },
      include: { organisation: true },
    });
    expect(textOf(await contactAdministrator(db.prisma, employee, 'nl', { requestKey: `help:${flowId()}` }))).toBe(
      'Je organisatie heeft geen vlootbeheerder in de assistent. Bel Dstny support op 02 401 97 00 (optie 1).',
    );
  });
});

describe('the knowledge base', () => {
  test.each([
    ['en', '**Your SIM card\'s PIN code**'],
    ['nl', '**De pincode van je simkaart**'],
    ['fr', '**Le code PIN de votre carte SIM**'],
  ] as const)('in %s, an article whole, its title first', (language, title) => {
    const answer = textOf(knowledgeAnswer(language, 'pin'));
    expect(answer.split('\n\n')[0]).toBe(title);
    expect(answer).toMatch(/\n1\. .+\n2\. .+\n3\. /);
  });
});

describe('the eSIM articles', () => {
  test.each([
    ['en', '**Does your phone support eSIM?**', ['iPhone from the XS and XR', 'Settings › General › About', '`*#06#`', 'ask your fleet administrator for a physical SIM card instead']],
    ['nl', '**Ondersteunt je gsm eSIM?**', ['iPhone vanaf de XS en XR', 'Instellingen › Algemeen › Info', '`*#06#`', 'vraag je vlootbeheerder om een gewone simkaart']],
    ['fr', '**Votre téléphone est-il compatible eSIM ?**', ['iPhone à partir des XS et XR', 'Réglages › Général › Informations', '`*#06#`', 'demandez plutôt une carte SIM physique à votre gestionnaire de flotte']],
  ] as const)('in %s, whether the phone can take one: how to check, and a SIM card instead when it cannot', (language, title, facts) => {
    const answer = textOf(knowledgeAnswer(language, 'esimSupport'));
    expect(answer.split('\n\n')[0]).toBe(title);
    for (const fact of facts) expect(answer).toContain(fact);
  });

  test.each([
    ['en', '**How to install your eSIM**', ['in this chat, in your activation email and on your personal activation page', 'Settings › Mobile Service › Add eSIM', 'Settings › Connections › SIM manager › Add eSIM', 'Settings › Network & internet › SIMs', 'Wi-Fi', 'about an hour, up to two days']],
    ['nl', '**Zo installeer je je eSIM**', ['in deze chat, in je activatiemail en op je persoonlijke activatiepagina', 'Voeg eSIM toe', 'Instellingen › Verbindingen › Simkaartbeheer › eSIM toevoegen', 'Instellingen › Netwerk en internet › Simkaarten', 'wifi', 'ongeveer een uur, tot twee dagen']],
    ['fr', '**Comment installer votre eSIM**', ['dans ce chat, dans votre e-mail d\'activation et sur votre page d\'activation personnelle', 'Ajouter une eSIM', 'Paramètres › Connexions › Gestionnaire de cartes SIM', 'Paramètres › Réseau et Internet › SIM', 'Wi-Fi', 'environ une heure, jusqu\'à deux jours']],
  ] as const)('in %s, installing it: where the code is, the steps on an iPhone, a Samsung and a Pixel, and the wait', (language, title, facts) => {
    const answer = textOf(knowledgeAnswer(language, 'esimInstall'));
    expect(answer.split('\n\n')[0]).toBe(title);
    for (const fact of facts) expect(answer).toContain(fact);
  });

  test.each([
    ['en', "**The eSIM's QR code doesn't scan or won't install**", ["A phone can't scan its own screen", 'Enter Details Manually', '`LPA:1$`', 'brightness', 'confirmation code', '"This code is no longer valid"', 'replacement profile', '"I got a new phone"']],
    ['nl', '**De QR-code van je eSIM scant niet of installeert niet**', ['Een gsm kan zijn eigen scherm niet scannen', 'Voer gegevens handmatig in', '`LPA:1$`', 'helderheid', 'bevestigingscode', '"Deze code is niet meer geldig"', 'vervangend profiel', '"ik heb een nieuwe gsm"']],
    ['fr', '**Le code QR de votre eSIM ne se scanne pas ou ne s\'installe pas**', ['Un téléphone ne peut pas scanner son propre écran', 'Saisir les informations manuellement', '`LPA:1$`', 'luminosité', 'code de confirmation', '« Ce code n\'est plus valide »', 'profil de remplacement', '« j\'ai un nouveau téléphone »']],
  ] as const)('in %s, a code that does not scan: another screen or typing it, and a replacement profile for a used one', (language, title, facts) => {
    const answer = textOf(knowledgeAnswer(language, 'esimQrScan'));
    expect(answer.split('\n\n')[0]).toBe(title);
    for (const fact of facts) expect(answer).toContain(fact);
  });
});

describe('through its feature declaration, turn after turn', () => {
  /** The guided help's state in the conversation, as the runner keeps it. */
  let state: { flow?: HelpFlow } | undefined = undefined;

  /** A button pressed: its data parsed as the runner parses it, the state kept as the runner keeps it between turns. */
  async function press(who: Actor, button: Pick<Button, 'verb' | 'data'>, language: 'en' | 'nl' | 'fr' = 'en'): Promise<Reply[]> {
    const action = troubleshootFeature.actions![button.verb]!;
    const { turn, kept } = featureTurn(db, who, { language, state });
    const replies = await action.run(turn, (action.data ? action.data.parse(button.data) : button.data) as never);
    state = kept();
    return replies;
  }

  test("Luc's guided help: what fails, the steps, a stale button answered with a sentence, and his administrator told", async () => {
    const [question] = await press(luc, { verb: Verbs.welcome.getHelp, data: {} });
    const calls = buttonOf(cardOf(question), 'Calls');

    const [, firstStep] = await press(luc, calls);
    const stepOne = cardOf(firstStep);
    expect(textsOf(stepOne)[0]).toBe('Step 1 of 3');

    const [secondStep] = await press(luc, buttonOf(stepOne, 'Still not working'));
    expect(textsOf(cardOf(secondStep))).toEqual(['Step 2 of 3', 'Restart your phone.']);

    // Step 1's button again, or a button of another flow: the person is told, and the flow stays where it was.
    expect((await press(luc, buttonOf(stepOne, 'That helped'))).map(textOf)).toEqual([
      "That button belongs to an earlier question. Tell me what isn't working to start again.",
    ]);
    expect((await press(luc, { verb: Verbs.troubleshoot.problem, data: { flowId: flowId(), problem: 'data' } })).map(textOf)).toEqual([
      "That button belongs to an earlier question. Tell me what isn't working to start again.",
    ]);
    expect(state?.flow).toMatchObject({ problem: 'calls', step: 1 });

    const [thirdStep] = await press(luc, buttonOf(cardOf(secondStep), 'Still not working'));
    const [offer] = await press(luc, buttonOf(cardOf(thirdStep), 'Still not working'));
    const contact = buttonOf(cardOf(offer), 'Contact my fleet administrator');
    expect((await press(luc, contact)).map(textOf)).toEqual([expect.stringMatching(/^I've sent your fleet administrator \(Ann Admin\) a message/)]);
    expect((await press(luc, contact)).map(textOf)).toEqual(['Your fleet administrator (Ann Admin) already has this message.']);
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey: `help:${contact.data.flowId}` } });
    expect(escalation.tried).toEqual([
      'Switch flight mode on, wait ten seconds, and switch it off again.',
      'Restart your phone.',
      'Check that the Dstny SIM card is in the SIM slot you use for calls, and that network selection is set to automatic.',
    ]);
  });
});
