import { render, type AdaptiveCard, type CardButton } from './render';
import notificationTemplate from './templates/notification.json';

/** A status update that needs more than a sentence: a bold title, a few lines, at most a button or two. */
export interface NotificationCardData {
  title: string;
  lines: string[];
  actions: CardButton[];
}

export function renderNotificationCard(data: NotificationCardData): AdaptiveCard {
  return render(notificationTemplate, data);
}
