import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, demoStockIccids, freeMobileNumbers, other, pieterPorting } from '../../prisma/demoData';
import type { Prisma } from '../../prisma/generated/client';
import { NumberKind } from '../../prisma/generated/enums';
import * as activation from '../../services/lifecycle/activation';
import * as userActivation from '../../services/lifecycle/userActivation';
import * as serviceLists from '../../services/lifecycle/serviceLists';
import * as serviceAccess from '../../services/lifecycle/serviceAccess';
import * as importValidation from '../../services/bulkImport/validation';
import * as importFile from '../../services/bulkImport/importFile';
import * as importTemplate from '../../services/bulkImport/template';
import * as importReport from '../../services/bulkImport/report';
import * as importCreation from '../../services/bulkImport/creation';
import * as importProgress from '../../services/bulkImport/progress';
import * as importAccess from '../../services/bulkImport/importAccess';
import * as catalog from '../../services/catalog/catalog';
import type { Database } from '../../services/platform/db/database';
import * as deadLetters from '../../services/notifications/deadLetters';
import * as escalation from '../../services/lifecycle/escalation';
import * as numberPool from '../../services/numbers/numberPool';
import * as overview from '../../services/fleet/overview';
import { AccessDenied, type Actor } from '../../services/people/people';
import * as portingDetails from '../../services/numbers/portingDetails';
import * as portingRequests from '../../services/numbers/portingRequests';
import * as serviceLookup from '../../services/fleet/lookUp';
import * as numberChoices from '../../services/addService/numberChoices';
import * as orderAccess from '../../services/addService/orderAccess';
import { FixedOption } from '../../services/addService/orderDraft';
import * as orderSaving from '../../services/addService/orderSaving';
import * as simCheck from '../../services/addService/simCheck';
import * as summaryCard from '../../services/addService/summaryCard';
import * as userSearch from '../../services/people/userSearch';
import * as esimProfiles from '../../services/simCards/esimProfiles';
import * as peopleAdmin from '../../services/people/peopleAdmin';
import { openTestDatabase } from '../support/database';
import { rowCounts } from '../support/rowCounts';

/**
 * Every exported function of services/ that takes an acting person is called here with the wrong one: a user acting
 * as administrator, another organisation's administrator, support outside its organisations. Each must refuse
 * (AccessDenied) and change nothing but the audit trail. A new such function without a case fails the first test.
 */

const SERVICES_DIR = path.join(__dirname, '../../services');

/** `file:function` of every exported function with a parameter typed Actor, read from the source. */
function functionsTakingAnActor(): string[] {
  const found: string[] = [];
  const files = fs.readdirSync(SERVICES_DIR, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
  for (const relative of files) {
    const file = path.basename(relative);
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(SERVICES_DIR, relative), 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!ts.isFunctionDeclaration(statement) || !statement.name) continue;
      if (!statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
      if (statement.parameters.some((parameter) => /\bActor\b/.test(parameter.type?.getText(source) ?? ''))) {
        found.push(`${file.replace(/\.ts$/, '')}:${statement.name.text}`);
      }
    }
  }
  return found.sort();
}

/** Functions that take an actor but are not guarded by it, and why that is right. */
const NOT_GUARDS: Record<string, string> = {
  'people:requireRole': 'is the role check itself (test/unit/people.test.ts)',
  'people:canSeeOrganisation': 'is the organisation check itself (test/unit/people.test.ts)',
  'people:recordRefusal': 'writes the audit event of a refusal',
  'people:refuse': 'writes the audit event of a refusal and throws',
  'people:refuseMalformedCard': 'writes the audit event of a refusal and throws',
  'orderAccess:auditRefusal': 'writes the audit event of a refusal',
  'orderAccess:refuseOrder': 'writes the audit event of a refusal and throws',
  'languagePreference:rememberLastLanguage': "writes the actor's own row only",
  'languagePreference:setPreferredLanguage': "writes the actor's own row only",
  'serviceLists:servicesOfUser': "reads the actor's own services only (where userId = actor)",
  'activationLinks:linkTriesOf': "reads the actor's own activation link only (where personId = actor)",
  'activationLinks:submitSimTry': "counts the try against the actor's own limit, then leaves the check to userActivation.submitSimNumber (its cases above)",
  'portingRequests:addPortingAttempt': "writes inside its caller's transaction, after the caller's check (saveService, requestPorting, resubmitPorting)",
};

interface World {
  db: Database;
  /** A user of Demo Company NV, acting as its administrator. */
  jan: Actor;
  /** Other Org BV's administrator, acting on Demo Company NV. */
  olga: Actor;
  /** Support for Demo Company NV only, acting on Other Org BV. */
  sam: Actor;
  demoOrgId: string;
  otherOrgId: string;
  marieService: string;
  janService: string;
  janId: string;
  lucService: string;
  otherService: string;
  otherFixedNumber: string;
  demoFixedNumber: string;
  demoReservedNumber: string;
  pieterRequest: string;
  otherRequest: string;
  demoIccid: string;
  /** An import of Demo Company NV, not confirmed yet. */
  demoImport: string;
  /** An open request for help in Demo Company NV. */
  demoEscalation: string;
}

type Call = (w: World) => Promise<unknown>;
type WrongActor = 'user as administrator' | "another organisation's administrator" | 'support outside its organisations';

const details = (number: string): portingDetails.PortingDetailsInput => ({
  number,
  donorOperator: pieterPorting.operatorCode,
  holderKind: pieterPorting.holderKind,
  holderName: pieterPorting.holderName,
  holderVat: pieterPorting.holderVat,
  lineType: pieterPorting.lineType,
  customerNumber: pieterPorting.customerNumber,
});
const inAMonth = () => new Date(Date.now() + 30 * 86_400_000);
const place = { channelId: 'msteams', conversationId: 'a:elsewhere', activityId: 'forged' };

/** For each function, the call each wrong actor tries. */
const CASES: Record<string, Partial<Record<WrongActor, Call>>> = {
  'serviceAccess:serviceFor': {
    'user as administrator': (w) => serviceAccess.serviceFor(w.db.prisma, w.jan, w.marieService, 'administrator', 'service.read'),
    "another organisation's administrator": (w) => serviceAccess.serviceFor(w.db.prisma, w.olga, w.marieService, 'administrator', 'service.read'),
    'support outside its organisations': (w) => serviceAccess.serviceFor(w.db.prisma, w.sam, w.otherService, 'administrator-or-support', 'service.read'),
  },
  'importAccess:requireAdministrator': { 'user as administrator': (w) => importAccess.requireAdministrator(w.db.prisma, w.jan, w.demoImport) },
  'importAccess:importFor': {
    'user as administrator': (w) => importAccess.importFor(w.db.prisma, w.jan, w.demoImport),
    "another organisation's administrator": (w) => importAccess.importFor(w.db.prisma, w.olga, w.demoImport),
  },
  'orderAccess:requireAdministrator': { 'user as administrator': (w) => orderAccess.requireAdministrator(w.db.prisma, w.jan) },
  'activation:startService': {
    'user as administrator': (w) => activation.startService(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => activation.startService(w.db.prisma, w.olga, w.marieService),
  },
  'activation:scheduleStart': {
    'user as administrator': (w) => activation.scheduleStart(w.db.prisma, w.jan, [w.marieService], inAMonth()),
    "another organisation's administrator": (w) => activation.scheduleStart(w.db.prisma, w.olga, [w.marieService], inAMonth()),
  },
  'activation:resendActivationEmail': {
    'user as administrator': (w) => activation.resendActivationEmail(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => activation.resendActivationEmail(w.db.prisma, w.olga, w.janService),
    'support outside its organisations': (w) => activation.resendActivationEmail(w.db.prisma, w.sam, w.otherService),
  },
  'userActivation:submitSimNumber': {
    'user as administrator': (w) => userActivation.submitSimNumber(w.db.prisma, w.jan, w.marieService, w.demoIccid),
    "another organisation's administrator": (w) => userActivation.submitSimNumber(w.db.prisma, w.olga, w.janService, w.demoIccid),
    'support outside its organisations': (w) => userActivation.submitSimNumber(w.db.prisma, w.sam, w.otherService, w.demoIccid),
  },
  'userActivation:serviceForSim': {
    'user as administrator': (w) => userActivation.serviceForSim(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => userActivation.serviceForSim(w.db.prisma, w.olga, w.janService),
    'support outside its organisations': (w) => userActivation.serviceForSim(w.db.prisma, w.sam, w.otherService),
  },
  'userActivation:startActivationAsUser': {
    'user as administrator': (w) => userActivation.startActivationAsUser(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => userActivation.startActivationAsUser(w.db.prisma, w.olga, w.janService),
    'support outside its organisations': (w) => userActivation.startActivationAsUser(w.db.prisma, w.sam, w.otherService),
  },
  'activation:retryActivation': {
    'user as administrator': (w) => activation.retryActivation(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => activation.retryActivation(w.db.prisma, w.olga, w.janService),
  },
  'serviceLists:listWaitingServices': { 'user as administrator': (w) => serviceLists.listWaitingServices(w.db.prisma, w.jan) },
  'serviceLists:allWaitingServiceIds': { 'user as administrator': (w) => serviceLists.allWaitingServiceIds(w.db.prisma, w.jan) },
  // Another organisation's administrator can only name their own organisation's services: the job takes the actor's.
  'activation:queueStartAll': { 'user as administrator': (w) => activation.queueStartAll(w.db.prisma, w.jan, 'forged-start-all') },
  'validation:validateImport': {
    'user as administrator': (w) => importValidation.validateImport(w.db.prisma, w.jan, { name: 'forged.csv', content: importFile.contentOf(Buffer.from(importTemplate.templateCsv())) }),
  },
  'report:importReport': {
    'user as administrator': (w) => importReport.importReport(w.db.prisma, w.jan, w.demoImport),
    "another organisation's administrator": (w) => importReport.importReport(w.db.prisma, w.olga, w.demoImport),
  },
  'report:importNewUsers': {
    'user as administrator': (w) => importReport.importNewUsers(w.db.prisma, w.jan, w.demoImport),
    "another organisation's administrator": (w) => importReport.importNewUsers(w.db.prisma, w.olga, w.demoImport),
  },
  'report:reportCsv': {
    'user as administrator': (w) => importReport.reportCsv(w.db.prisma, w.jan, w.demoImport, () => ''),
    "another organisation's administrator": (w) => importReport.reportCsv(w.db.prisma, w.olga, w.demoImport, () => ''),
  },
  'creation:confirmImport': {
    'user as administrator': (w) => importCreation.confirmImport(w.db.prisma, w.jan, w.demoImport, { start: 'NOW', confirmKey: 'forged-confirm-1' }),
    "another organisation's administrator": (w) => importCreation.confirmImport(w.db.prisma, w.olga, w.demoImport, { start: 'NOW', confirmKey: 'forged-confirm-2' }),
  },
  'creation:cancelImport': {
    'user as administrator': (w) => importCreation.cancelImport(w.db.prisma, w.jan, w.demoImport),
    "another organisation's administrator": (w) => importCreation.cancelImport(w.db.prisma, w.olga, w.demoImport),
  },
  'progress:importSummary': {
    'user as administrator': (w) => importProgress.importSummary(w.db.prisma, w.jan, w.demoImport),
    "another organisation's administrator": (w) => importProgress.importSummary(w.db.prisma, w.olga, w.demoImport),
  },
  'progress:recordProgressCard': {
    'user as administrator': (w) => importProgress.recordProgressCard(w.db.prisma, w.jan, w.demoImport, place),
    "another organisation's administrator": (w) => importProgress.recordProgressCard(w.db.prisma, w.olga, w.demoImport, place),
  },
  'catalog:contractCatalog': { 'user as administrator': (w) => catalog.contractCatalog(w.db.prisma, w.jan) },
  'deadLetters:undeliveredUpdatesOf': {
    'user as administrator': (w) => deadLetters.undeliveredUpdatesOf(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => deadLetters.undeliveredUpdatesOf(w.db.prisma, w.olga, w.marieService),
    'support outside its organisations': (w) => deadLetters.undeliveredUpdatesOf(w.db.prisma, w.sam, w.otherService),
  },
  'escalation:escalateToAdministrators': {
    'user as administrator': (w) => escalation.escalateToAdministrators(w.db.prisma, w.jan, { requestKey: 'forged-escalation-1', serviceId: w.marieService, topic: 'calls', tried: [] }),
    "another organisation's administrator": (w) => escalation.escalateToAdministrators(w.db.prisma, w.olga, { requestKey: 'forged-escalation-2', serviceId: w.marieService, topic: 'calls', tried: [] }),
    'support outside its organisations': (w) => escalation.escalateToAdministrators(w.db.prisma, w.sam, { requestKey: 'forged-escalation-3', serviceId: w.otherService, topic: 'calls', tried: [] }),
  },
  'escalation:openEscalations': {
    'user as administrator': (w) => escalation.openEscalations(w.db.prisma, w.jan, w.demoOrgId),
    "another organisation's administrator": (w) => escalation.openEscalations(w.db.prisma, w.olga, w.demoOrgId),
    'support outside its organisations': (w) => escalation.openEscalations(w.db.prisma, w.sam, w.otherOrgId),
  },
  'escalation:markEscalationHandled': {
    'user as administrator': (w) => escalation.markEscalationHandled(w.db.prisma, w.jan, w.demoEscalation),
    "another organisation's administrator": (w) => escalation.markEscalationHandled(w.db.prisma, w.olga, w.demoEscalation),
    'support outside its organisations': (w) => escalation.markEscalationHandled(w.db.prisma, w.sam, w.demoEscalation),
  },
  'numberPool:reserveNumber': { 'user as administrator': (w) => numberPool.reserveNumber(w.db.prisma, w.jan, { kind: NumberKind.MOBILE }) },
  'numberPool:releaseNumber': {
    'user as administrator': (w) => numberPool.releaseNumber(w.db.prisma, w.jan, w.demoReservedNumber),
    // Another organisation's reserved number is simply not released (false): nothing to refuse loudly, nothing changed.
  },
  'numberPool:listFreeFixedNumbers': {
    'user as administrator': (w) => numberPool.listFreeFixedNumbers(w.db.prisma, w.jan, w.demoOrgId),
    "another organisation's administrator": (w) => numberPool.listFreeFixedNumbers(w.db.prisma, w.olga, w.demoOrgId),
    'support outside its organisations': (w) => numberPool.listFreeFixedNumbers(w.db.prisma, w.sam, w.otherOrgId),
  },
  'numberPool:listFixedNumbersInUse': {
    'user as administrator': (w) => numberPool.listFixedNumbersInUse(w.db.prisma, w.jan, w.demoOrgId),
    "another organisation's administrator": (w) => numberPool.listFixedNumbersInUse(w.db.prisma, w.olga, w.demoOrgId),
    'support outside its organisations': (w) => numberPool.listFixedNumbersInUse(w.db.prisma, w.sam, w.otherOrgId),
  },
  'overview:overviewOf': {
    'user as administrator': (w) => overview.overviewOf(w.db.prisma, w.jan, w.demoOrgId, { clockSpeed: 1 }),
    "another organisation's administrator": (w) => overview.overviewOf(w.db.prisma, w.olga, w.demoOrgId, { clockSpeed: 1 }),
    'support outside its organisations': (w) => overview.overviewOf(w.db.prisma, w.sam, w.otherOrgId, { clockSpeed: 1 }),
  },
  'overview:listServices': {
    'user as administrator': (w) => overview.listServices(w.db.prisma, w.jan, { organisationId: w.demoOrgId }, { clockSpeed: 1 }),
    "another organisation's administrator": (w) => overview.listServices(w.db.prisma, w.olga, { organisationId: w.demoOrgId }, { clockSpeed: 1 }),
    'support outside its organisations': (w) => overview.listServices(w.db.prisma, w.sam, { organisationId: w.otherOrgId }, { clockSpeed: 1 }),
  },
  'overview:exportRows': {
    'user as administrator': (w) => overview.exportRows(w.db.prisma, w.jan, w.demoOrgId),
    "another organisation's administrator": (w) => overview.exportRows(w.db.prisma, w.olga, w.demoOrgId),
    'support outside its organisations': (w) => overview.exportRows(w.db.prisma, w.sam, w.otherOrgId),
  },
  'portingDetails:precheckPortingFor': { 'user as administrator': (w) => portingDetails.precheckPortingFor(w.db.prisma, w.jan, details(pieterPorting.e164)) },
  'portingRequests:requestPorting': {
    'user as administrator': (w) => portingRequests.requestPorting(w.db.prisma, w.jan, w.marieService, details(pieterPorting.e164), { submit: true }),
    "another organisation's administrator": (w) => portingRequests.requestPorting(w.db.prisma, w.olga, w.marieService, details(pieterPorting.e164), { submit: true }),
  },
  'portingRequests:resubmitPorting': {
    'user as administrator': (w) => portingRequests.resubmitPorting(w.db.prisma, w.jan, w.pieterRequest, details(pieterPorting.e164), { alsoInTransaction: async () => undefined }),
    "another organisation's administrator": (w) => portingRequests.resubmitPorting(w.db.prisma, w.olga, w.pieterRequest, details(pieterPorting.e164), { alsoInTransaction: async () => undefined }),
    'support outside its organisations': (w) => portingRequests.resubmitPorting(w.db.prisma, w.sam, w.otherRequest, details(pieterPorting.e164), { alsoInTransaction: async () => undefined }),
  },
  'portingRequests:refusedRequestFor': {
    'user as administrator': (w) => portingRequests.refusedRequestFor(w.db.prisma, w.jan, w.pieterRequest),
    "another organisation's administrator": (w) => portingRequests.refusedRequestFor(w.db.prisma, w.olga, w.pieterRequest),
    'support outside its organisations': (w) => portingRequests.refusedRequestFor(w.db.prisma, w.sam, w.otherRequest),
  },
  'portingRequests:listPortingIssues': {
    'user as administrator': (w) => portingRequests.listPortingIssues(w.db.prisma, w.jan, w.demoOrgId),
    "another organisation's administrator": (w) => portingRequests.listPortingIssues(w.db.prisma, w.olga, w.demoOrgId),
    'support outside its organisations': (w) => portingRequests.listPortingIssues(w.db.prisma, w.sam, w.otherOrgId),
  },
  'lookUp:findServicesOf': {
    'user as administrator': (w) => serviceLookup.findServicesOf(w.db.prisma, w.jan, { email: demo.marie.email }),
    'support outside its organisations': (w) => serviceLookup.findServicesOf(w.db.prisma, w.sam, { email: other.oscar.email }).then(refuseWhenEmpty),
    "another organisation's administrator": (w) => serviceLookup.findServicesOf(w.db.prisma, w.olga, { email: demo.marie.email }).then(refuseWhenEmpty),
  },
  'lookUp:timelineOf': {
    'user as administrator': (w) => serviceLookup.timelineOf(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => serviceLookup.timelineOf(w.db.prisma, w.olga, w.marieService),
    'support outside its organisations': (w) => serviceLookup.timelineOf(w.db.prisma, w.sam, w.otherService),
  },
  'orderAccess:userForService': {
    'user as administrator': (w) => orderAccess.userForService(w.db.prisma, w.jan, w.janId),
    "another organisation's administrator": (w) => orderAccess.userForService(w.db.prisma, w.olga, w.janId),
  },
  'numberChoices:movableNumbers': { 'user as administrator': (w) => numberChoices.movableNumbers(w.db.prisma, w.jan) },
  'numberChoices:fixedNumberChoices': { 'user as administrator': (w) => numberChoices.fixedNumberChoices(w.db.prisma, w.jan) },
  'numberChoices:movableNumberFor': {
    'user as administrator': (w) => numberChoices.movableNumberFor(w.db.prisma, w.jan, w.lucService),
    "another organisation's administrator": (w) => numberChoices.movableNumberFor(w.db.prisma, w.olga, w.lucService),
  },
  'numberChoices:fixedNumberFor': {
    'user as administrator': (w) => numberChoices.fixedNumberFor(w.db.prisma, w.jan, FixedOption.IN_USE, w.demoFixedNumber),
    "another organisation's administrator": (w) => numberChoices.fixedNumberFor(w.db.prisma, w.olga, FixedOption.IN_USE, w.demoFixedNumber),
  },
  'simCheck:checkSimForService': { 'user as administrator': (w) => simCheck.checkSimForService(w.db.prisma, w.jan, w.demoIccid) },
  'simCheck:esimsLeftFor': { 'user as administrator': (w) => simCheck.esimsLeftFor(w.db.prisma, w.jan) },
  'esimProfiles:replaceEsim': {
    'user as administrator': (w) => esimProfiles.replaceEsim(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => esimProfiles.replaceEsim(w.db.prisma, w.olga, w.marieService),
    'support outside its organisations': (w) => esimProfiles.replaceEsim(w.db.prisma, w.sam, w.otherService),
  },
  'orderSaving:saveService': {
    'user as administrator': (w) => orderSaving.saveService(w.db.prisma, w.jan, { userId: w.janId, optionCodes: [] }, 'forged-order-1'),
    "another organisation's administrator": (w) => orderSaving.saveService(w.db.prisma, w.olga, { userId: w.janId, optionCodes: [] }, 'forged-order-2'),
  },
  'summaryCard:recordSummaryCard': {
    'user as administrator': (w) => summaryCard.recordSummaryCard(w.db.prisma, w.jan, w.marieService, place),
    "another organisation's administrator": (w) => summaryCard.recordSummaryCard(w.db.prisma, w.olga, w.marieService, place),
  },
  'summaryCard:serviceSummary': {
    'user as administrator': (w) => summaryCard.serviceSummary(w.db.prisma, w.jan, w.marieService),
    "another organisation's administrator": (w) => summaryCard.serviceSummary(w.db.prisma, w.olga, w.marieService),
  },
  'peopleAdmin:addEmployee': {
    'user as administrator': (w) => peopleAdmin.addEmployee(w.db.prisma, w.jan, { displayName: 'Forged Person', email: 'forged@demo.example', language: 'en' }),
  },
  'peopleAdmin:employeeFor': {
    'user as administrator': (w) => peopleAdmin.employeeFor(w.db.prisma, w.jan, w.janId),
    "another organisation's administrator": (w) => peopleAdmin.employeeFor(w.db.prisma, w.olga, w.janId),
  },
  'peopleAdmin:changeEmployee': {
    'user as administrator': (w) => peopleAdmin.changeEmployee(w.db.prisma, w.jan, w.janId, { displayName: 'Forged', email: 'forged@demo.example', language: 'en' }),
    "another organisation's administrator": (w) => peopleAdmin.changeEmployee(w.db.prisma, w.olga, w.janId, { displayName: 'Forged', email: 'forged@demo.example', language: 'en' }),
  },
  'peopleAdmin:removalPlan': {
    'user as administrator': (w) => peopleAdmin.removalPlan(w.db.prisma, w.jan, w.janId),
    "another organisation's administrator": (w) => peopleAdmin.removalPlan(w.db.prisma, w.olga, w.janId),
  },
  'peopleAdmin:removeEmployee': {
    'user as administrator': (w) => peopleAdmin.removeEmployee(w.db.prisma, w.jan, w.janId),
    "another organisation's administrator": (w) => peopleAdmin.removeEmployee(w.db.prisma, w.olga, w.janId),
  },
  'peopleAdmin:employeesNamedIn': { 'user as administrator': (w) => peopleAdmin.employeesNamedIn(w.db.prisma, w.jan, 'remove Marie') },
  'peopleAdmin:findEmployees': { 'user as administrator': (w) => peopleAdmin.findEmployees(w.db.prisma, w.jan, 'Marie') },
  'userSearch:findPeople': { 'user as administrator': (w) => userSearch.findPeople(w.db.prisma, w.jan, 'Marie') },
  'userSearch:findPeopleNamedIn': { 'user as administrator': (w) => userSearch.findPeopleNamedIn(w.db.prisma, w.jan, 'a data SIM for Marie') },
};

/** A search outside one's organisations answers "nobody found" rather than refusing; nothing may be found. */
function refuseWhenEmpty(found: serviceLookup.PersonServices[]): never {
  if (found.length === 0) throw new AccessDenied('nobody found');
  throw new Error(`found ${found.length} people of an organisation the actor may not see`);
}

let world: World;

beforeAll(async () => {
  const db = await openTestDatabase({ seed: true });
  const p = db.prisma;
  const actor = (tenantId: string, aadObjectId: string) =>
    p.person.findFirstOrThrow({ where: { aadObjectId, organisation: { tenantId } }, include: { organisation: true } });
  const [jan, olga, sam, marie, luc] = await Promise.all([
    actor(DEMO_TENANT_ID, demo.jan.aadObjectId),
    actor(OTHER_TENANT_ID, other.olga.aadObjectId),
    actor(DEMO_TENANT_ID, demo.sam.aadObjectId),
    actor(DEMO_TENANT_ID, demo.marie.aadObjectId),
    actor(DEMO_TENANT_ID, demo.luc.aadObjectId),
  ]);
  const serviceOf = async (userId: string) => (await p.service.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: 'asc' } })).id;
  const otherService = await p.service.findFirstOrThrow({ where: { organisationId: olga.organisationId } });
  const demoFixed = await p.phoneNumber.findFirstOrThrow({ where: { kind: NumberKind.FIXED, state: 'IN_USE', organisationId: jan.organisationId } });
  const otherFixed = await p.phoneNumber.findFirstOrThrow({ where: { kind: NumberKind.FIXED, organisationId: olga.organisationId } });
  const reserved = await p.phoneNumber.update({
    where: { e164: freeMobileNumbers[0] },
    data: { state: 'RESERVED', organisationId: jan.organisationId, reservedUntil: inAMonth() },
  });
  const pieterRequest = await p.portingRequest.findFirstOrThrow({ where: { state: 'REFUSED', service: { organisationId: jan.organisationId } } });
  // Other Org BV gets a refused porting request of its own, for support outside its organisations to reach for.
  const otherRequest = await p.portingRequest.create({
    data: { ...portingRowOf(pieterRequest), serviceId: otherService.id, state: 'REFUSED' },
  });
  const demoImport = await p.bulkImport.create({ data: { organisationId: jan.organisationId, createdById: marie.id, fileName: 'prepared.csv', totalRows: 1, validRows: 1 } });
  world = {
    db,
    jan,
    olga,
    sam,
    demoOrgId: jan.organisationId,
    otherOrgId: olga.organisationId,
    marieService: await serviceOf(marie.id),
    janService: await serviceOf(jan.id),
    janId: jan.id,
    lucService: await serviceOf(luc.id),
    otherService: otherService.id,
    otherFixedNumber: otherFixed.id,
    demoFixedNumber: demoFixed.id,
    demoReservedNumber: reserved.id,
    pieterRequest: pieterRequest.id,
    otherRequest: otherRequest.id,
    demoIccid: demoStockIccids[0]!,
    demoImport: demoImport.id,
    demoEscalation: (await p.escalation.create({ data: { organisationId: jan.organisationId, requestKey: 'security-escalation-1', topic: 'calls' } })).id,
  };
});

afterAll(async () => {
  await world?.db.close();
});

/** A copy of a porting request's details, without its identity and links. */
function portingRowOf(request: Awaited<ReturnType<Database['prisma']['portingRequest']['findFirstOrThrow']>>) {
  const { id: _id, serviceId: _service, createdAt: _created, updatedAt: _updated, ...rest } = request as Record<string, unknown>;
  return rest as Omit<Prisma.PortingRequestUncheckedCreateInput, 'serviceId'>;
}

test('every exported services/ function that takes an acting person has a case here (or a reason it needs none)', () => {
  const uncovered = functionsTakingAnActor().filter((name) => !(name in CASES) && !(name in NOT_GUARDS));
  const stale = [...Object.keys(CASES), ...Object.keys(NOT_GUARDS)].filter((name) => !functionsTakingAnActor().includes(name));

  expect({ uncovered, stale }).toEqual({ uncovered: [], stale: [] });
});

const attempts = Object.entries(CASES).flatMap(([name, calls]) =>
  Object.entries(calls).map(([who, call]) => ({ name, who, call: call as Call })),
);

test.each(attempts)('$name refuses $who, and changes nothing but the audit trail', async ({ call }) => {
  const before = await rowCounts(world.db, ['AuditEvent']);

  await expect(call(world)).rejects.toBeInstanceOf(AccessDenied);

  expect(await rowCounts(world.db, ['AuditEvent'])).toEqual(before);
});
