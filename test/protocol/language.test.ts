import { t, type Language } from '../../cards/strings';
import { articleFor } from '../../dialogs/knowledge/knowledgeBase';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import { useBotUnderTest } from '../support/botUnderTest';
import { teamsActivity, whatTheySee, type TeamsPerson } from '../support/connector';

// Jan's directory language is Dutch and Luc's French (the seed); Oscar and Ines have none: each test sets what it is about.
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters', locale: 'en-US' };
const luc: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.luc.aadObjectId, name: 'Luc Lemaire', locale: 'fr-BE' };
const oscar: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.oscar.aadObjectId, name: 'Oscar Olsen' };
const ines: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.ines.aadObjectId, name: 'Ines Informa' };
const stranger: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: 'b0000000-0000-4000-8000-0000000000ff', name: 'Nobody Known' };

const { bot, post, serviceUrl, says } = useBotUnderTest('language');

type Stored = { preferredLanguage: Language | null; lastLanguage: Language | null };

async function store(email: string, languages: Stored): Promise<void> {
  await bot().db.prisma.person.updateMany({ where: { email }, data: languages });
}

/** A conversation of its own: its first message has nothing before it. */
function inNewConversation(who: TeamsPerson, name: string, locale: string): (fields: Record<string, unknown> & { type: string }) => Record<string, unknown> {
  return (fields) => {
    const activity = teamsActivity(serviceUrl(), { ...who, locale }, fields);
    return { ...activity, conversation: { ...(activity.conversation as object), id: `a:${name}-${who.aadObjectId}` } };
  };
}

/** A button of a message the bot no longer serves: the answer is one sentence in the turn's language, nothing else decides it. */
async function staleButtonAnswer(who: TeamsPerson, locale = who.locale): Promise<string> {
  const { replies } = await post(teamsActivity(serviceUrl(), { ...who, locale }, { type: 'message', value: { verb: 'gone.verb' } }));
  return replies[0]!.activity.text;
}

const staleIn = (language: Language) => t(language, 'action.unknown');

/** The voicemail article as the person reads it, in `language`. */
const voicemailIn = (language: Language) => {
  const article = articleFor(language, 'voicemail');
  return `**${article.title}**\n\n${article.body}`;
};

describe('the reply follows the language the message is written in', () => {
  it('Jan (Dutch in the directory, Teams in English) asks in English, then in French, and is answered in each', async () => {
    await store(demo.jan.email, { preferredLanguage: 'nl', lastLanguage: null });
    expect((await says(jan, 'how do I set my voicemail?'))[0]!.activity.text).toBe(voicemailIn('en'));
    expect((await says(jan, 'comment est-ce que je configure ma messagerie vocale ?'))[0]!.activity.text).toBe(voicemailIn('fr'));
    expect((await says(jan, 'en hoe stel ik mijn voicemail in?'))[0]!.activity.text).toBe(voicemailIn('nl'));
  });

  it('Luc (French everywhere) writing English or Dutch is answered in that language', async () => {
    await store(demo.luc.email, { preferredLanguage: 'fr', lastLanguage: 'fr' });
    expect((await says(luc, 'I would like to know how to set up the voicemail please'))[0]!.activity.text).toBe(voicemailIn('en'));
    expect((await says(luc, 'hoe stel ik mijn voicemail in'))[0]!.activity.text).toBe(voicemailIn('nl'));
  });

  it('a text that does not say its language ("ok", a button) is answered in the language the conversation is in', async () => {
    await store(other.oscar.email, { preferredLanguage: 'nl', lastLanguage: null });
    await says(oscar, 'bonjour, que peux-tu faire pour moi');
    expect(await staleButtonAnswer(oscar)).toBe(staleIn('fr'));
    await says(oscar, 'I am not sure what this bot can do for me, can you help');
    expect(await staleButtonAnswer(oscar)).toBe(staleIn('en'));
  });

  it('the directory language does not decide a reply: only what the bot sends unasked', async () => {
    await store(other.oscar.email, { preferredLanguage: 'nl', lastLanguage: null });
    const [reply] = await says(oscar, 'I am not sure what this bot can do for me, can you help');
    expect(whatTheySee(reply!).texts[0]).toBe(t('en', 'welcome.greeting', { name: 'Oscar Olsen' }));
    const person = await bot().db.prisma.person.findFirstOrThrow({ where: { email: other.oscar.email } });
    expect(person.preferredLanguage).toBe('nl');
  });
});

describe('at the first message of a conversation, the client decides', () => {
  it('Ann-like: nothing stored, a French conversation elsewhere, a Dutch Teams: "voicemail" gets the Dutch article', async () => {
    await store(other.ines.email, { preferredLanguage: null, lastLanguage: null });
    const inFrench = inNewConversation(ines, 'earlier', 'fr-BE');
    await post(inFrench({ type: 'message', text: 'bonjour, comment est-ce que je configure ma messagerie vocale ?' }));
    const inDutch = inNewConversation(ines, 'today', 'nl-BE');
    const { replies } = await post(inDutch({ type: 'message', text: 'voicemail' }));
    expect(replies[0]!.activity.text).toBe(voicemailIn('nl'));
  });

  it('the same conversation after the person switched their Teams language follows the new one', async () => {
    await store(other.ines.email, { preferredLanguage: null, lastLanguage: null });
    await says({ ...ines, locale: 'fr-BE' }, 'bonjour, que peux-tu faire pour moi');
    expect(await staleButtonAnswer(ines, 'fr-BE')).toBe(staleIn('fr'));
    expect(await staleButtonAnswer(ines, 'nl-BE')).toBe(staleIn('nl'));
  });

  it('a visitor the bot does not know, and a client language the bot does not speak (English then)', async () => {
    expect(await staleButtonAnswer(stranger, 'fr-FR')).toBe(staleIn('fr'));
    expect(await staleButtonAnswer(stranger, 'de-DE')).toBe(staleIn('en'));
  });

  it('without a client language (the Emulator, a script), the stored language, else English', async () => {
    await store(other.ines.email, { preferredLanguage: null, lastLanguage: null });
    const { replies } = await post({ ...inNewConversation(ines, 'script', 'en-US')({ type: 'message', value: { verb: 'gone.verb' } }), locale: undefined });
    expect(replies[0]!.activity.text).toBe(staleIn('en'));
    await store(other.ines.email, { preferredLanguage: 'fr', lastLanguage: null });
    const again = await post({ ...inNewConversation(ines, 'script2', 'en-US')({ type: 'message', value: { verb: 'gone.verb' } }), locale: undefined });
    expect(again.replies[0]!.activity.text).toBe(staleIn('fr'));
  });
});

describe('"Speak Dutch" changes both the replies and what is sent unasked', () => {
  it('switches the conversation and the stored language, which then outlasts what is written only for what is sent unasked', async () => {
    await store(other.oscar.email, { preferredLanguage: null, lastLanguage: 'en' });
    expect((await says(oscar, 'please speak Dutch'))[0]!.activity.text).toBe(t('nl', 'messages.language.set'));
    expect(await staleButtonAnswer(oscar, 'en-US')).toBe(staleIn('nl'));
    expect((await says(oscar, 'en français'))[0]!.activity.text).toBe(t('fr', 'messages.language.set'));
    const person = await bot().db.prisma.person.findFirstOrThrow({ where: { email: other.oscar.email } });
    expect(person.preferredLanguage).toBe('fr');
    expect(await staleButtonAnswer(oscar, 'en-US')).toBe(staleIn('fr'));
    // Writing English afterwards is answered in English; the stored choice stays for what is sent unasked.
    const [reply] = await says(oscar, 'I am not sure what this bot can do for me, can you help');
    expect(whatTheySee(reply!).texts[0]).toBe(t('en', 'welcome.greeting', { name: 'Oscar Olsen' }));
    expect((await bot().db.prisma.person.findFirstOrThrow({ where: { email: other.oscar.email } })).preferredLanguage).toBe('fr');
  });
});
