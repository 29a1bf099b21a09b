import type { TurnContext } from 'botbuilder';
import type { Language } from '../../cards/strings';
import type { TurnFacts } from '../turnFacts';

/**
 * What a typed message can ask for. The intent model (dialogs/understanding) labels text with one of these; each feature's
 * route module handles its own intents, and the message route in bot/app.ts dispatches to them explicitly.
 */
export const intentNames = [
  'greeting',
  'help',
  'cancel',
  'addService',
  'waitingServices',
  'portingIssues',
  'overview',
  'bulkImport',
  'activateSim',
  'serviceStatus',
  'lookUpUser',
  'contactAdministrator',
  'changeLanguage',
  'troubleshoot.noNetwork',
  'troubleshoot.mobileData',
  'troubleshoot.pin',
  'troubleshoot.voicemail',
  'troubleshoot.emailMissing',
  'troubleshoot.activationTime',
  'troubleshoot.simSwap',
  'troubleshoot.linkExpired',
  'troubleshoot.portingRefused',
  'troubleshoot.simNumberLocation',
  'troubleshoot.general',
] as const;
export type IntentName = (typeof intentNames)[number];

/** What was recognised in one message: the intent and the entities found in the text. */
export interface IntentMatch {
  intent: IntentName;
  score: number;
  language: Language;
  text: string;
  entities: {
    /** A SIM card number (ICCID) pasted in the text, spaces and dashes removed. */
    iccid?: string;
    /** A phone number in the text, as typed. */
    phoneNumber?: string;
    /** An email address in the text. */
    email?: string;
    /** Words that may name a person ("Jan", "marie dubois"). */
    personName?: string;
    /** A bundle or product named in the text, as typed ("20 GB", "data SIM"). */
    product?: string;
  };
}

export type IntentHandler<State> = (context: TurnContext, state: State, facts: TurnFacts, match: IntentMatch) => Promise<void>;
