import { renderWelcomeCard, renderWelcomeGuestCard, type AdaptiveCard, type CardButton } from '../cards/welcomeCard';
import { listOf, t, type Language, type StringKey } from '../cards/strings';
import { Verbs, type WelcomeVerb } from '../cards/verbs';
import { Role, type Actor, type Recognition } from '../services/people/people';
import type { Reply } from './reply';

/** What the bot says, independent of the channel: `bot/` turns it into an activity. */

const buttonLabels: Record<WelcomeVerb, StringKey> = {
  [Verbs.welcome.addService]: 'welcome.action.addService',
  [Verbs.welcome.waitingServices]: 'welcome.action.waitingServices',
  [Verbs.welcome.portingIssues]: 'welcome.action.portingIssues',
  [Verbs.welcome.activateSim]: 'welcome.action.activateSim',
  [Verbs.welcome.getHelp]: 'welcome.action.getHelp',
  [Verbs.welcome.lookUpUser]: 'welcome.action.lookUpUser',
  [Verbs.welcome.overview]: 'welcome.action.overview',
  [Verbs.welcome.managePeople]: 'welcome.action.managePeople',
};

const byRole: Record<Role, { intro: StringKey; verbs: WelcomeVerb[] }> = {
  [Role.ADMINISTRATOR]: {
    intro: 'welcome.administrator.intro',
    verbs: [Verbs.welcome.addService, Verbs.welcome.waitingServices, Verbs.welcome.portingIssues, Verbs.welcome.overview, Verbs.welcome.managePeople],
  },
  [Role.USER]: { intro: 'welcome.user.intro', verbs: [Verbs.welcome.activateSim, Verbs.welcome.getHelp] },
  [Role.SUPPORT]: { intro: 'welcome.support.intro', verbs: [Verbs.welcome.lookUpUser] },
};

/** The first thing a person sees: what they can do here, or why they can't and whom to ask. */
export function welcomeFor(recognition: Recognition, language: Language): Reply {
  switch (recognition.status) {
    case 'known':
      return { kind: 'card', card: welcomeCard(recognition.actor, language) };
    case 'unknown-organisation':
      return { kind: 'text', text: t(language, recognition.deactivated ? 'welcome.deactivatedOrganisation' : 'welcome.unknownOrganisation') };
    case 'unknown-person': {
      const organisation = recognition.organisation.name;
      const names = recognition.administrators.map((admin) => admin.displayName);
      return {
        kind: 'text',
        text:
          names.length > 0
            ? t(language, 'welcome.unknownPerson', { organisation, administrators: listOf(language, names) })
            : t(language, 'welcome.unknownPerson.noAdministrator', { organisation }),
      };
    }
    case 'anonymous':
      return {
        kind: 'card',
        card: renderWelcomeGuestCard({
          title: t(language, 'welcome.guest.title'),
          intro: t(language, 'welcome.guest.intro'),
          paragraphs: [
            t(language, 'welcome.guest.employees'),
            t(language, 'welcome.guest.administrators'),
            t(language, 'welcome.guest.contact'),
          ],
        }),
      };
  }
}

function welcomeCard(actor: Actor, language: Language): AdaptiveCard {
  const { intro, verbs } = byRole[actor.role];
  const organisation = actor.organisation.name;
  const buttons: CardButton[] = verbs.map((verb) => ({ verb, title: t(language, buttonLabels[verb]) }));
  return renderWelcomeCard({
    greeting: t(language, 'welcome.greeting', { name: actor.displayName }),
    organisation,
    intro: t(language, intro, { organisation }),
    actions: buttons,
  });
}
