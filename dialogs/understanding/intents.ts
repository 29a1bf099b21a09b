import type { Language } from '../../cards/strings';
import { Role } from '../../prisma/generated/enums';

/**
 * What a typed message can ask for. The intent model labels text with one of these; each feature declares the intents
 * it serves (dialogs/feature.ts), and bot/typedText.ts dispatches to them.
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
  'esimReplacement',
  'serviceStatus',
  'lookUpUser',
  'managePeople',
  'addPerson',
  'changePerson',
  'removePerson',
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
  'troubleshoot.esimSupport',
  'troubleshoot.esimInstall',
  'troubleshoot.esimQrScan',
  'troubleshoot.general',
] as const;
export type IntentName = (typeof intentNames)[number];

/**
 * The requests only some roles can make. The typed-text route prefers what the writer can ask for when the text
 * also reads as that ("my SIM still needs activating" from an employee is his activation, not adding a service);
 * the domain checks every action whatever was understood.
 */
const askedOnlyBy: Partial<Record<IntentName, readonly Role[]>> = {
  addService: [Role.ADMINISTRATOR],
  bulkImport: [Role.ADMINISTRATOR],
  waitingServices: [Role.ADMINISTRATOR, Role.SUPPORT],
  portingIssues: [Role.ADMINISTRATOR, Role.SUPPORT],
  overview: [Role.ADMINISTRATOR, Role.SUPPORT],
  managePeople: [Role.ADMINISTRATOR],
  addPerson: [Role.ADMINISTRATOR],
  changePerson: [Role.ADMINISTRATOR],
  removePerson: [Role.ADMINISTRATOR],
};

/** May someone of `role` (undefined: a visitor the bot does not know) ask for `intent`? */
export function mayAsk(intent: string, role: Role | undefined): boolean {
  const roles = askedOnlyBy[intent as IntentName];
  return !roles || (role !== undefined && roles.includes(role));
}

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

