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

export function renderWelcomeCard(data: WelcomeCardData): AdaptiveCard {
  return render(welcomeTemplate, data);
}

export function renderWelcomeGuestCard(data: WelcomeGuestCardData): AdaptiveCard {
  return render(welcomeGuestTemplate, data);
}
