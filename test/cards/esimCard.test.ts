import fc from 'fast-check';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { esimInstallSteps, esimWords, renderEsimCard, type EsimCardData } from '../../cards/esimCard';
import { esimQrDataUri, esimQrPng, manualEntry } from '../../cards/esimQr';
import { withSubmitActions, type AdaptiveCard } from '../../cards/render';
import { languages, t, type Language } from '../../cards/strings';
import { cardProblems } from '../support/adaptiveCards';
import { readCard, type Card } from '../support/addServiceDriver';
import { longestEsimCode as longest } from '../support/cardSamples';

const example = 'LPA:1$smdp.example-operator.be$K2-1ABCD-EF23GH';
// With the SM-DP+ OID and the confirmation code flag, as the longest code ends.
const suffix = '$1.3.6.1.4.1.31746$1';
const secret = 'LPA:1$smdp.example-operator.be$K2 SECRET';
// Teams refuses a message over about 28 KB; test/cards/allCards.test.ts keeps 4 KB of it for the activity around a card.
const MAX_CARD_BYTES = 24 * 1024;

function thrown(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('nothing was refused');
}

/** What a phone's camera reads from the picture. */
function decoded(png: Buffer): { text: string | undefined; width: number; height: number } {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  return { text: found?.data, width: image.width, height: image.height };
}

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$/);
const activationCodes = fc
  .record({
    labels: fc.array(label, { minLength: 1, maxLength: 4 }),
    matchingId: fc.stringMatching(/^[A-Z0-9-]{1,250}$/),
    tail: fc.constantFrom('', '$$1', '$1.3.6.1.4.1.31746', suffix),
  })
  .map(({ labels, matchingId, tail }) => {
    const head = `LPA:1$${[...labels, 'be'].join('.')}$`;
    return { code: head + matchingId.slice(0, 255 - head.length - tail.length) + tail, smdpAddress: [...labels, 'be'].join('.') };
  });

describe('the eSIM QR code', () => {
  it('reads back as the activation code, 240 to 300 pixels wide, for codes of every length', async () => {
    for (const code of [example, longest]) expect(decoded(esimQrPng(code)).text).toBe(code);
    await fc.assert(
      fc.asyncProperty(activationCodes, async ({ code }) => {
        const { text, width, height } = decoded(esimQrPng(code));
        expect(text).toBe(code);
        expect(width).toBe(height);
        expect(width).toBeGreaterThanOrEqual(240);
        expect(width).toBeLessThanOrEqual(300);
      }),
      { numRuns: 30 },
    );
  });

  it('stays small enough for a Teams card: under 2.5 KB for the longest code', async () => {
    expect((esimQrPng(example)).length).toBeLessThan(1500);
    expect((esimQrPng(longest)).length).toBeLessThan(2500);
    const uri = esimQrDataUri(example);
    expect(uri.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64').equals(esimQrPng(example))).toBe(true);
  });

  it('is refused for what is not an activation code, without quoting it', () => {
    for (const make of [esimQrPng, esimQrDataUri]) {
      expect(() => make(secret)).toThrow(new Error('not an eSIM activation code (LPA:1$<SM-DP+ address>$<matching id>)'));
    }
  });
});

describe('the details to type by hand', () => {
  it('are the SM-DP+ address and the matching id', () => {
    expect(manualEntry(example)).toEqual({ smdpAddress: 'smdp.example-operator.be', matchingId: 'K2-1ABCD-EF23GH' });
    expect(manualEntry('LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1')).toEqual({ smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815' });
    expect(manualEntry('LPA:1$rsp.example.be$a1b2c3$1.3.6.1.4.1.31746')).toEqual({ smdpAddress: 'rsp.example.be', matchingId: 'a1b2c3' });
    expect(longest).toHaveLength(255);
    expect(manualEntry(longest)).toEqual({ smdpAddress: 'rsp-0001.example-operator.be', matchingId: longest.slice('LPA:1$rsp-0001.example-operator.be$'.length, -suffix.length) });
    fc.assert(fc.property(activationCodes, ({ code, smdpAddress }) => expect(manualEntry(code).smdpAddress).toBe(smdpAddress)));
  });

  it.each([
    ['empty', ''],
    ['no LPA: prefix', '1$smdp.example-operator.be$K2-1ABCD-EF23GH'],
    ['another format version', 'LPA:2$smdp.example-operator.be$K2-1ABCD-EF23GH'],
    ['no matching id', 'LPA:1$smdp.example-operator.be$'],
    ['no SM-DP+ address', 'LPA:1$$K2-1ABCD-EF23GH'],
    ['an empty label in the address', 'LPA:1$smdp..example-operator.be$K2-1ABCD-EF23GH'],
    ['a label starting with a hyphen', 'LPA:1$-smdp.example-operator.be$K2-1ABCD-EF23GH'],
    ['a space in the matching id', 'LPA:1$smdp.example-operator.be$K2 1ABCD'],
    ['a part too many', 'LPA:1$smdp.example-operator.be$K2$1.3.6$1$extra'],
    ['a flag other than 1', 'LPA:1$smdp.example-operator.be$K2$1.3.6$0'],
    ['one character over 255', `${longest.slice(0, 230)}A${longest.slice(230)}`],
  ])('refuses %s', (_, code) => {
    expect(() => manualEntry(code)).toThrow('not an eSIM activation code');
  });

  it('refuses a huge text, without quoting a code', () => {
    expect(() => manualEntry(`LPA:1$${'a.'.repeat(500_000)}$K2`)).toThrow('not an eSIM activation code');
    expect(thrown(() => manualEntry(secret))).not.toContain('SECRET');
  });
});

const service = 'Dstny SmartMobile (Mobile) · 0470 12 34 56';

async function cardFor(language: Language, activationCode = example, confirmationCode?: string): Promise<AdaptiveCard> {
  const data: EsimCardData = { language, serviceLabel: service, activationCode };
  return renderEsimCard(confirmationCode ? { ...data, confirmationCode } : data);
}

/** What a person reads on the card, and behind each of its buttons. */
function seen(card: AdaptiveCard) {
  const shown = (card.actions ?? []).filter((action) => action.type === 'Action.ShowCard');
  return {
    texts: readCard(card as Card).texts,
    image: card.body.find((element) => (element as Card).type === 'Image') as Card,
    buttons: shown.map((action) => action.title),
    behind: shown.map((action) => readCard(action.card as Card).texts),
  };
}

describe('the eSIM card', () => {
  it.each(languages)('in %s parses as Adaptive Card 1.5 and stays under the size Teams accepts, even for the longest code', async (language) => {
    for (const card of [await cardFor(language, example, '1234'), await cardFor(language, longest, '12345678')]) {
      expect({ teams: cardProblems(card), webChat: cardProblems(withSubmitActions(card)) }).toEqual({ teams: [], webChat: [] });
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(MAX_CARD_BYTES);
    }
  });

  it('shows the QR code, the details to type by hand, the confirmation code and how long activation takes', async () => {
    const qrDataUri = esimQrDataUri(example);
    const { texts, image } = seen(await cardFor('en', example, '4321'));
    expect(image).toMatchObject({ url: qrDataUri, altText: 'QR code that installs your eSIM' });
    expect(texts).toEqual([
      `Your eSIM for ${service} is ready`,
      'Scan it with the phone that gets the eSIM, from another screen: a computer, a tablet or a printout.',
      'The phone then asks for a confirmation code: type 4321.',
      'No other screen? Type the details by hand',
      'SM-DP+ address: smdp.example-operator.be',
      'Activation code: K2-1ABCD-EF23GH',
      'Confirmation code: 4321',
      'Some phones ask for the whole code instead:',
      example,
      'Activation then takes about an hour, sometimes up to two days.',
      "This code is personal: don't forward it.",
    ]);
  });

  it('says nothing of a confirmation code when there is none', async () => {
    const { texts } = seen(await cardFor('en'));
    expect(texts.filter((text) => /confirmation/i.test(text))).toEqual([]);
  });

  it.each(languages)('in %s gives the numbered steps for iPhone and for Android in the person language', async (language) => {
    const { buttons, behind } = seen(await cardFor(language));
    const steps = esimInstallSteps(language);
    expect(buttons).toEqual([t(language, 'esim.steps.iphone'), t(language, 'esim.steps.android')]);
    // Each step a row: its number, then its words.
    const numbered = (list: string[]) => list.flatMap((step, i) => [`${i + 1}.`, step]);
    expect(behind).toEqual([numbered(steps.iphone), numbered(steps.android)]);
    if (language !== 'en') {
      const english = [...esimInstallSteps('en').iphone, ...esimInstallSteps('en').android];
      expect(behind.flat().filter((text) => english.includes(text))).toEqual([]);
    }
  });

  it('names the menus as each phone shows them', () => {
    expect(esimInstallSteps('nl').iphone).toContain('Open Instellingen > Mobiel netwerk > Voeg eSIM toe.');
    expect(esimInstallSteps('fr').android).toContain('Sur un Samsung : ouvrez Paramètres > Connexions > Gestionnaire de cartes SIM > Ajouter une eSIM > Scanner le code QR du fournisseur de services.');
    expect(esimInstallSteps('en').android).toContain('On other Android phones: open Settings > Network & internet > SIMs > Download a SIM instead.');
  });

  it('is refused with data not as expected, naming the field and not the code', async () => {
    const data: EsimCardData = { language: 'en', serviceLabel: service, activationCode: example };
    expect(() => renderEsimCard({ ...data, confirmationCode: '12' })).toThrow('confirmationCode');
    expect(thrown(() => renderEsimCard({ ...data, activationCode: secret }))).toBe('not an eSIM activation code (LPA:1$<SM-DP+ address>$<matching id>)');
    expect(thrown(() => esimWords('en', { ...data, confirmationCode: '987654321' }))).toBe('an eSIM confirmation code has 4 to 8 digits');
  });
});

