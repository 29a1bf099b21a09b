import { t, type Language } from '../../cards/strings';
import { OTHER_TENANT_ID, other } from '../../prisma/demoData';
import { useBotUnderTest } from '../support/botUnderTest';
import { teamsActivity, type TeamsPerson } from '../support/connector';

// Oscar and Ines have no language stored by the seed: each test sets the rung it is about.
const oscar: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.oscar.aadObjectId, name: 'Oscar Olsen' };
const ines: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.ines.aadObjectId, name: 'Ines Informa' };
const stranger: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: 'b0000000-0000-4000-8000-0000000000ff', name: 'Nobody Known' };

const { bot, post, serviceUrl, says } = useBotUnderTest('language');

type Stored = { preferredLanguage: Language | null; lastLanguage: Language | null };

async function store(email: string, languages: Stored): Promise<void> {
  await bot().db.prisma.person.updateMany({ where: { email }, data: languages });
}

/** A button of a message the bot no longer serves: the answer is one sentence in the turn's language, nothing else decides it. */
async function staleButtonAnswer(who: TeamsPerson, locale: string): Promise<string> {
  const { replies } = await post(teamsActivity(serviceUrl(), who, { type: 'message', locale, value: { verb: 'gone.verb' } }));
  return replies[0]!.activity.text;
}

const staleIn = (language: Language) => t(language, 'action.unknown');

describe('the language the bot answers in', () => {
  it('is the stored preference first, over the language last written in and the client locale', async () => {
    await store(other.oscar.email, { preferredLanguage: 'nl', lastLanguage: 'fr' });
    expect(await staleButtonAnswer(oscar, 'fr-BE')).toBe(staleIn('nl'));
  });

  it('keeps the preference even when the person writes in another language', async () => {
    await store(other.oscar.email, { preferredLanguage: 'nl', lastLanguage: null });
    const [reply] = await says(oscar, 'I am not sure what this bot can do for me, can you help');
    expect(reply!.activity.attachments?.[0]?.content.body[0].text).toBe(t('nl', 'welcome.greeting', { name: 'Oscar Olsen' }));
  });

  it('without a preference, is the language the person last wrote in', async () => {
    await store(other.oscar.email, { preferredLanguage: null, lastLanguage: 'fr' });
    expect(await staleButtonAnswer(oscar, 'nl-BE')).toBe(staleIn('fr'));
  });

  it('without a preference, a clear message is answered in its own language and remembered', async () => {
    await store(other.ines.email, { preferredLanguage: null, lastLanguage: null });
    const [reply] = await says(ines, 'bonjour, que peux-tu faire pour moi');
    expect(reply!.activity.attachments?.[0]?.content.body[0].text).toBe(t('fr', 'welcome.greeting', { name: 'Ines Informa' }));
    expect(await staleButtonAnswer(ines, 'en-US')).toBe(staleIn('fr'));
  });

  it('without anything stored, is the client locale', async () => {
    await store(other.ines.email, { preferredLanguage: null, lastLanguage: null });
    expect(await staleButtonAnswer(ines, 'nl-BE')).toBe(staleIn('nl'));
    expect(await staleButtonAnswer(stranger, 'fr-FR')).toBe(staleIn('fr'));
  });

  it('is English when nothing else is known', async () => {
    expect(await staleButtonAnswer(stranger, 'de-DE')).toBe(staleIn('en'));
    await store(other.ines.email, { preferredLanguage: null, lastLanguage: null });
    expect(await staleButtonAnswer(ines, 'ja-JP')).toBe(staleIn('en'));
  });

  it('"Speak Dutch" and "en français" change the preference, which then outranks what is written', async () => {
    await store(other.oscar.email, { preferredLanguage: null, lastLanguage: 'en' });
    expect((await says(oscar, 'please speak Dutch'))[0]!.activity.text).toBe(t('nl', 'messages.language.set'));
    expect(await staleButtonAnswer(oscar, 'en-US')).toBe(staleIn('nl'));
    expect((await says(oscar, 'en français'))[0]!.activity.text).toBe(t('fr', 'messages.language.set'));
    const person = await bot().db.prisma.person.findFirstOrThrow({ where: { email: other.oscar.email } });
    expect(person.preferredLanguage).toBe('fr');
    expect(await staleButtonAnswer(oscar, 'nl-BE')).toBe(staleIn('fr'));
  });
});
