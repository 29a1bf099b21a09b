import type { AdaptiveCard } from '../../cards/render';
import { demo } from '../../prisma/demoData';
import { activateSim } from '../../dialogs/activateSim';
import type { Database } from '../../services/platform/db/database';
import { recordEsimInstalled } from '../../services/simCards/esimProfiles';
import { openTestDatabase } from '../support/database';
import { startedEsimService } from '../support/esimService';
import { qrCodeInDataUri } from '../support/qrCode';
import { actorOf, cardOf, textOf } from './see';

/** An employee who lost the message with their eSIM asks for it in the chat: only they get it, and only until installed. */

const qrCodeOf = (card: AdaptiveCard) => qrCodeInDataUri(String((card.body as Array<{ type?: string; url?: string }>).find((element) => element.type === 'Image')?.url));

describe('the eSIM asked for again', () => {
  let db: Database;

  beforeAll(async () => {
    db = await openTestDatabase({ seed: true });
  });
  afterAll(async () => db?.close());

  test('its user gets the card again, in the language they write, and no longer once it is installed', async () => {
    const { service, esim } = await startedEsimService(db.prisma, demo.marie.email);
    const marie = await actorOf(db, demo.marie.email);

    const asked = await activateSim(db.prisma, marie, 'nl', {});
    const card = cardOf(asked.replies[0]);
    expect(qrCodeOf(card)).toBe(esim.activationCode);
    expect(JSON.stringify(card)).toContain('Je eSIM voor');
    expect(asked.flow).toBeUndefined();

    await recordEsimInstalled(db.prisma, esim.iccid);
    const after = await activateSim(db.prisma, marie, 'en', { serviceId: service.id });
    expect(after.replies).toHaveLength(1);
    expect(textOf(after.replies[0])).toMatch(/being activated/);
    expect(JSON.stringify(after.replies)).not.toContain(esim.activationCode.split('$')[2]);
  });

  test('an administrator naming the service is not given the code', async () => {
    const { service, esim } = await startedEsimService(db.prisma, demo.luc.email);
    const ann = await actorOf(db, demo.ann.email);
    const asked = await activateSim(db.prisma, ann, 'en', { serviceId: service.id });
    expect(JSON.stringify(asked.replies)).not.toContain(esim.activationCode.split('$')[2]);
  });
});
