import { activateSimFeature } from './activateSim';
import { addServiceFeature } from './addService/feature';
import { bulkImportFeature } from './bulkImport';
import { conversationFeature } from './conversation';
import { esimReplacementFeature } from './esim';
import type { AnyFeature } from './feature';
import { lookUpFeature } from './lookUp';
import { overviewFeature } from './overview';
import { peopleFeature } from './people';
import { portingIssuesFeature } from './portingIssues';
import { troubleshootFeature } from './troubleshoot';
import { waitingServicesFeature } from './waitingServices';

/**
 * Every feature of the bot. The order is the order in which they see typed text that a flow may be waiting for:
 * a SIM card number first, then "continue" for an unfinished service, then the answer to "look up whom?".
 */
export const features: readonly AnyFeature[] = [
  activateSimFeature,
  addServiceFeature,
  lookUpFeature,
  conversationFeature,
  troubleshootFeature,
  esimReplacementFeature,
  waitingServicesFeature,
  portingIssuesFeature,
  overviewFeature,
  bulkImportFeature,
  peopleFeature,
];
