import { render, type AdaptiveCard } from './render';
import questionTemplate from './templates/question.json';

/** A button whose data the handler reads back (and checks): ids and keys, never texts to trust. */
export interface DataButton {
  title: string;
  verb: string;
  data: Record<string, string | number>;
}

export interface QuestionCardData {
  /** Empty for no title. */
  title: string;
  text: string;
  buttons: DataButton[];
}

/** A question with its answers as buttons: what fails, whether a step helped, which of a few intents was meant. */
export function renderQuestionCard(data: QuestionCardData): AdaptiveCard {
  return render(questionTemplate, data);
}
