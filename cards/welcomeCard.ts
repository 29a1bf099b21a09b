import { render, type AdaptiveCard, type CardButton } from './render';
import welcomeTemplate from './templates/welcome.json';
import welcomeGuestTemplate from './templates/welcomeGuest.json';

export type { AdaptiveCard, CardButton };

export interface WelcomeCardData {
  greeting: string;
  organisation: string;
  intro: string;
  actions: CardButton[];
}

export interface WelcomeGuestCardData {
  title: string;
  intro: string;
  paragraphs: string[];
}

/**
 * Each button on a row of its own (an ActionSet per action): four side by side are cut short on Teams desktop, and
 * one per row reads as the menu it is, at any width.
 */
export function renderWelcomeCard(data: WelcomeCardData): AdaptiveCard {
  return render(welcomeTemplate, data);
}

export function renderWelcomeGuestCard(data: WelcomeGuestCardData): AdaptiveCard {
  return render(welcomeGuestTemplate, data);
}
