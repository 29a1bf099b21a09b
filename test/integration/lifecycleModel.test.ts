import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DEMO_TENANT_ID, OTHER_TENANT_ID } from '../../prisma/demoData';
import { HolderKind, LineType, NumberKind, NumberState, PortingState, Role, ServiceStatus, SimForm, SimState } from '../../prisma/generated/enums';
import { recordActivationResult } from '../../services/lifecycle/activationResult';
import { retryActivation, startService } from '../../services/lifecycle/activation';
import { servicesOfUser, listWaitingServices } from '../../services/lifecycle/serviceLists';
import { startActivationAsUser, submitSimNumber } from '../../services/lifecycle/userActivation';
import { provisionJob, resumePortingJob, submitPortingJob } from '../../services/lifecycle/activationJobs';
import { activationEmailJob } from '../../services/notifications/activationEmail';
import { emailComposer } from '../../dialogs/emails';
import { contractCatalog, type CatalogServiceType } from '../../services/catalog/catalog';
import type { Database } from '../../services/platform/db/database';
import { advancePorting, nextStepDueAt, portingSlot, scheduleDonorStep, simulatedDonors } from '../../services/simulators/donor';
import { JobWorker } from '../../services/platform/jobQueue';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { ACTIVATION_MAX_MS, isFinal, nextActorOf, transitions } from '../../services/lifecycle/table';
import { createMailer } from '../../services/notifications/mail';
import { notificationAudiences, isNotificationKind } from '../../services/notifications/notificationOutbox';
import { reserveNumber } from '../../services/numbers/numberPool';
import { listServices, overviewOf } from '../../services/fleet/overview';
import type { Actor } from '../../services/people/people';
import { applyPortingEvent } from '../../services/numbers/portingEvents';
import { listPortingIssues, resubmitPorting } from '../../services/numbers/portingRequests';
import type { PortingDetailsInput } from '../../services/numbers/portingDetails';
import { completeJob, esimInstalledJob, simulatedActivationMs, simulatedProvisioning, SimulatorJobs } from '../../services/simulators/provisioning';
import { automaticActivationAllowed, type ServiceDraft } from '../../services/addService/orderDraft';
import { saveService } from '../../services/addService/orderSaving';
import { luhnCheckDigit } from '../../services/simCards/simNumber';
import { EsimJobs, releaseEsimJob, revokeEsimJob } from '../../services/simCards/esimJobs';
import { esimToInstall, recordEsimInstalled, replaceEsim, servicesAwaitingEsimStock } from '../../services/simCards/esimProfiles';
import { addWorkingDays, brusselsDate, brusselsInstant } from '../../services/platform/workingDays';
import { openTestDatabase } from '../support/database';

/**
 * The service lifecycle, proven over every combination the two demo contracts allow (product × service type × number
 * option × SIM option × fixed number option × how × when) and over random orders of what can happen to a service —
 * the administrator starting or retrying, the user entering their SIM card number (right or wrong) or pressing Start,
 * the user's phone installing the eSIM (or the lost phone its revoked one), the user or the administrator asking for a
 * replacement eSIM, the eSIM stock running out and arriving again, the provisioning backend succeeding or failing,
 * the donor operator answering, refusing, and switching the number, the administrator fixing a refused porting, background jobs run by a newly started worker (a process restart), and
 * any of these repeated (a double click, a retried job, a replayed webhook). After every step the invariants of the
 * issue hold; with only happy events every combination ends active within the help page's times.
 */

const CLOCK = 1; // real time: no simulated donor or backend step becomes due by itself while a run goes on

let db: Database;
let outboxDir: string;
let counter = 0;
const unique = () => ++counter;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  outboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecycle-model-'));
}, 60_000);
afterAll(async () => {
  await db?.close();
  fs.rmSync(outboxDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// The combinations

interface Choice {
  tenantId: string;
  productTypeCode: string;
  type: CatalogServiceType;
  numberOption: 'NEW' | 'PORT' | 'MOVE' | null;
  simOption: 'USER_ENTERS' | 'ADMIN_ENTERS' | 'ESIM' | null;
  fixedOption: 'FREE' | 'IN_USE' | null;
  activationMethod: 'EMAIL' | 'AUTOMATIC';
  activationTiming: 'NOW' | 'LATER';
}

const describeChoice = (c: Choice) =>
  [c.tenantId === DEMO_TENANT_ID ? 'demo' : 'other', c.type.code, c.numberOption, c.simOption, c.fixedOption, c.activationMethod, c.activationTiming].filter(Boolean).join(' ');

async function administratorOf(tenantId: string): Promise<Actor> {
  return db.prisma.person.findFirstOrThrow({ where: { role: Role.ADMINISTRATOR, organisation: { tenantId } }, include: { organisation: true }, orderBy: { email: 'asc' } });
}

/** Every order the add-service steps accept for each demo organisation's contract. */
async function allChoices(): Promise<Choice[]> {
  const choices: Choice[] = [];
  for (const tenantId of [DEMO_TENANT_ID, OTHER_TENANT_ID]) {
    for (const product of await contractCatalog(db.prisma, await administratorOf(tenantId))) {
      for (const type of product.serviceTypes) {
        for (const numberOption of type.hasMobileNumber ? (['NEW', 'PORT', 'MOVE'] as const) : [null]) {
          for (const simOption of type.hasSim ? (['USER_ENTERS', 'ADMIN_ENTERS', 'ESIM'] as const) : [null]) {
            for (const fixedOption of type.hasFixedNumber ? (['FREE', 'IN_USE'] as const) : [null]) {
              // The seed: automatic activation only with the SIM card known (or none needed).
              const methods = automaticActivationAllowed(type, { simOption: simOption ?? undefined }) ? (['EMAIL', 'AUTOMATIC'] as const) : (['EMAIL'] as const);
              for (const activationMethod of methods) {
                for (const activationTiming of ['NOW', 'LATER'] as const) {
                  choices.push({ tenantId, productTypeCode: product.code, type, numberOption, simOption, fixedOption, activationMethod, activationTiming });
                }
              }
            }
          }
        }
      }
    }
  }
  return choices;
}

// ---------------------------------------------------------------------------------------------------------------
// A service under test, saved through the add-service flow's own saveService with fresh stock of its own

interface World {
  admin: Actor;
  user: Actor;
  choice: Choice;
  serviceId: string;
  iccid: string | null;
  /** A wrong card: one digit off the right one, so the user is offered a "did you mean". */
  wrongIccid: string;
  porting: PortingDetailsInput | null;
  /** The colleague's service whose mobile or fixed number this one takes. */
  colleagueServiceId: string | null;
  /** Every eSIM profile the service has held, first one first. */
  esims: string[];
  /** The profiles seen revoked, with when they had been installed then (null: never). */
  revoked: Map<string, Date | null>;
  /** The organisation's eSIM stock taken away while the operator has none to give, until it arrives. */
  stockAway: string[];
  /** The user asked for a new eSIM while none was in stock, and none was sent since. */
  asksForStock: boolean;
  /** What happened, for the failure message. */
  log: string[];
}

const iccidOf = (n: number) => {
  const payload = `893299${String(n).padStart(12, '0')}`;
  return payload + luhnCheckDigit(payload);
};
const mobileOf = (n: number) => `+32478${String(n).padStart(6, '0')}`;
// Wavre's area code sorts before the seeded Brussels numbers: the fresh one is among the first offered.
const fixedOf = (n: number) => `+3210${String(n).padStart(6, '0')}`;

async function newPerson(organisationId: string, label: string): Promise<Actor> {
  const n = unique();
  return db.prisma.person.create({
    data: { organisationId, role: Role.USER, email: `${label}.${n}@model.example`, displayName: `${label} ${n}`, preferredLanguage: (['en', 'nl', 'fr'] as const)[n % 3] },
    include: { organisation: true },
  });
}

/** A colleague with an active service of the same product, holding a mobile number, a SIM card and a fixed number. */
async function colleagueService(admin: Actor, choice: Choice): Promise<string> {
  const colleague = await newPerson(admin.organisationId, 'Colleague');
  const n = unique();
  const [sim, mobile, fixed] = await Promise.all([
    db.prisma.simCard.create({ data: { iccid: iccidOf(n), organisationId: admin.organisationId, state: SimState.ACTIVE } }),
    db.prisma.phoneNumber.create({ data: { e164: mobileOf(n), kind: NumberKind.MOBILE, state: NumberState.IN_USE, organisationId: admin.organisationId } }),
    db.prisma.phoneNumber.create({ data: { e164: fixedOf(n), kind: NumberKind.FIXED, state: NumberState.IN_USE, organisationId: admin.organisationId } }),
  ]);
  const service = await db.prisma.service.create({
    data: {
      organisationId: admin.organisationId, userId: colleague.id, createdById: admin.id, productTypeCode: choice.productTypeCode,
      serviceTypeCode: choice.type.code, status: ServiceStatus.ACTIVE, numberOption: 'NEW', activationMethod: 'AUTOMATIC', activationTiming: 'NOW',
      simCardId: sim.id, mobileNumberId: mobile.id, fixedNumberId: fixed.id, activatedAt: new Date(),
    },
  });
  return service.id;
}

/** Profiles for this service and a replacement or two, so that the organisation's eSIM stock outlasts the runs. */
const ESIMS_PER_SERVICE = 3;

async function saveChoice(choice: Choice): Promise<World> {
  const admin = await administratorOf(choice.tenantId);
  const user = await newPerson(admin.organisationId, 'Employee');
  const n = unique();
  const iccid = choice.type.hasSim && choice.simOption !== 'ESIM' ? iccidOf(n) : null;
  if (iccid) await db.prisma.simCard.create({ data: { iccid, organisationId: admin.organisationId } });
  if (choice.simOption === 'ESIM') {
    const profiles = Array.from({ length: ESIMS_PER_SERVICE }, () => unique()).map((k) => ({
      iccid: iccidOf(k), organisationId: admin.organisationId, form: SimForm.ESIM, activationCode: `LPA:1$smdp.model.example$M-${k}`,
    }));
    await db.prisma.simCard.createMany({ data: profiles });
  }
  const colleagueServiceId = choice.numberOption === 'MOVE' || choice.fixedOption === 'IN_USE' ? await colleagueService(admin, choice) : null;
  const colleague = colleagueServiceId ? await db.prisma.service.findUniqueOrThrow({ where: { id: colleagueServiceId } }) : null;

  const draft: ServiceDraft = {
    userId: user.id,
    productTypeCode: choice.productTypeCode,
    serviceTypeCode: choice.type.code,
    bundleCode: choice.type.bundles[0]!.code,
    optionCodes: [],
    activationMethod: choice.activationMethod,
    activationTiming: choice.activationTiming,
  };
  let porting: PortingDetailsInput | null = null;
  if (choice.numberOption) {
    draft.numberOption = choice.numberOption;
    if (choice.numberOption === 'NEW') {
      const e164 = mobileOf(n);
      await db.prisma.phoneNumber.create({ data: { e164, kind: NumberKind.MOBILE } });
      const reserved = await reserveNumber(db.prisma, admin, { kind: NumberKind.MOBILE, e164 });
      if (!reserved.ok) throw new Error('the fresh number could not be reserved');
      draft.reservedNumberId = reserved.number.id;
    } else if (choice.numberOption === 'PORT') {
      // A person's prepaid line at Orange: the donor checks the SIM card number in the phone today.
      const e164 = `+32479${String(n).padStart(6, '0')}`;
      const donorSim = iccidOf(500_000 + n);
      await db.prisma.donorLine.create({
        data: { e164, operatorCode: 'ORANGE', holderKind: HolderKind.PERSON, holderName: user.displayName, lineType: LineType.PREPAID, simNumber: donorSim },
      });
      porting = { number: e164, donorOperator: 'ORANGE', holderKind: HolderKind.PERSON, holderName: user.displayName, lineType: LineType.PREPAID, currentSimNumber: donorSim };
      draft.porting = { ...porting, holderVat: undefined, customerNumber: undefined, wishDate: undefined };
    } else {
      draft.moveFromServiceId = colleagueServiceId!;
    }
  }
  if (choice.simOption) {
    draft.simOption = choice.simOption;
    if (choice.simOption === 'ADMIN_ENTERS') draft.iccid = iccid!;
  }
  if (choice.fixedOption === 'FREE') {
    const number = await db.prisma.phoneNumber.create({ data: { e164: fixedOf(n), kind: NumberKind.FIXED } });
    Object.assign(draft, { fixedOption: 'FREE', fixedNumberId: number.id });
  } else if (choice.fixedOption === 'IN_USE') {
    Object.assign(draft, { fixedOption: 'IN_USE', fixedNumberId: colleague!.fixedNumberId!, takeOverConfirmed: true });
  }
  const saved = await saveService(db.prisma, admin, draft, `lifecycle-model:${n}`);
  if (!saved.ok) throw new Error(`${describeChoice(choice)} was refused at save: ${saved.problem.message}`);
  const wrongIccid = iccid ? iccid.slice(0, 10) + String((Number(iccid[10]) + 1) % 10) + iccid.slice(11) : iccidOf(900_000 + n);
  return {
    admin, user, choice, serviceId: saved.service.id, iccid, wrongIccid, porting, colleagueServiceId,
    esims: choice.simOption === 'ESIM' ? [saved.service.simCardId!] : [], revoked: new Map(), stockAway: [], asksForStock: false, log: [`saved ${describeChoice(choice)}`],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What can happen

const latestPorting = (serviceId: string) => db.prisma.portingRequest.findFirst({ where: { serviceId }, orderBy: { attempt: 'desc' } });

/** Runs the jobs due now with a worker started afresh, as after a restart: what the last process left is picked up. */
async function runJobs(): Promise<void> {
  const backend = simulatedProvisioning(db.prisma, CLOCK);
  const worker = new JobWorker({
    db: db.prisma,
    workerId: `model-${unique()}`,
    handlers: {
      [ActivationJobs.sendEmail]: activationEmailJob({
        db: db.prisma,
        mailer: createMailer({ from: 'bot@model.example', outboxDir }),
        composer: emailComposer,
        publicUrl: 'http://localhost',
        announce: () => undefined,
      }),
      [ActivationJobs.submitPorting]: submitPortingJob(db.prisma, simulatedDonors(CLOCK)),
      [ActivationJobs.resumePorting]: resumePortingJob(db.prisma, simulatedDonors(CLOCK)),
      [ActivationJobs.provision]: provisionJob(db.prisma, backend),
      [ActivationJobs.complete]: completeJob(db.prisma),
      [EsimJobs.release]: releaseEsimJob(db.prisma, backend),
      [EsimJobs.revoke]: revokeEsimJob(db.prisma, backend),
      [SimulatorJobs.esimInstalled]: esimInstalledJob(db.prisma),
    },
  });
  while ((await worker.runDue()) > 0);
}

type Step = (world: World) => Promise<unknown>;

const steps: Record<string, Step> = {
  adminStarts: (w) => startService(db.prisma, w.admin, w.serviceId),
  userEntersRightSim: (w) => submitSimNumber(db.prisma, w.user, w.serviceId, w.iccid ?? w.wrongIccid),
  userEntersWrongSim: (w) => submitSimNumber(db.prisma, w.user, w.serviceId, w.wrongIccid),
  userStarts: (w) => startActivationAsUser(db.prisma, w.user, w.serviceId),
  jobsRunAfterRestart: () => runJobs(),
  backendSucceeds: (w) => recordActivationResult(db.prisma, w.serviceId, { outcome: 'ACTIVE' }),
  /** Time passes until the simulated backend answers the order it was given (its job, run ahead of its time). */
  async backendAnswersItsOrder(w) {
    const order = await db.prisma.job.findFirst({ where: { kind: ActivationJobs.complete, state: 'QUEUED', payload: { equals: { serviceId: w.serviceId } } } });
    if (!order) return undefined;
    await db.prisma.job.update({ where: { id: order.id }, data: { runAt: new Date() } });
    return runJobs();
  },
  backendFails: (w) => recordActivationResult(db.prisma, w.serviceId, { outcome: 'FAILED', reason: 'the network refused the SIM card' }),
  adminRetries: (w) => retryActivation(db.prisma, w.admin, w.serviceId),
  async donorTakesNextStep(w) {
    const request = await latestPorting(w.serviceId);
    const due = request && nextStepDueAt(request, CLOCK);
    return due ? advancePorting(db.prisma, request.id, due, CLOCK) : undefined;
  },
  async donorRefuses(w) {
    const request = await latestPorting(w.serviceId);
    return request ? applyPortingEvent(db.prisma, request.id, { to: PortingState.REFUSED, code: 'WRONG_SIM_NUMBER' }) : undefined;
  },
  async holderCancelsTransfer(w) {
    const request = await latestPorting(w.serviceId);
    return request ? applyPortingEvent(db.prisma, request.id, { to: PortingState.CANCELLED, code: 'HOLDER_CANCELLED' }) : undefined;
  },
  /** The backend reports the service's current SIM installed as an eSIM (a physical card's report is not one). */
  async esimInstalled(w) {
    const { simCard } = await db.prisma.service.findUniqueOrThrow({ where: { id: w.serviceId }, select: { simCard: { select: { iccid: true } } } });
    return simCard ? recordEsimInstalled(db.prisma, simCard.iccid) : undefined;
  },
  /** The lost phone comes back online and installs the profile that was replaced meanwhile. */
  async revokedEsimInstalled(w) {
    const last = [...w.revoked.keys()].at(-1);
    const profile = last ? await db.prisma.simCard.findUniqueOrThrow({ where: { id: last } }) : null;
    return profile ? recordEsimInstalled(db.prisma, profile.iccid) : undefined;
  },
  /** Time passes until the simulated phones install what was released to them, revoked profiles included. */
  async phoneInstallsEsim(w) {
    await runJobs();
    const iccids = (await db.prisma.simCard.findMany({ where: { id: { in: w.esims } } })).map((profile) => profile.iccid);
    const reports = await db.prisma.job.findMany({ where: { kind: SimulatorJobs.esimInstalled, state: 'QUEUED' } });
    const ours = reports.filter((job) => iccids.includes((job.payload as { iccid: string }).iccid));
    if (ours.length === 0) return undefined;
    await db.prisma.job.updateMany({ where: { id: { in: ours.map((job) => job.id) } }, data: { runAt: new Date() } });
    return runJobs();
  },
  userReplacesEsim: (w) => replacesEsim(w, w.user),
  adminReplacesEsim: (w) => replacesEsim(w, w.admin),
  /** The organisation's eSIM stock runs out: a new eSIM asked for now must wait for more. */
  async esimStockRunsOut(w) {
    const left = await db.prisma.simCard.findMany({ where: { organisationId: w.admin.organisationId, form: SimForm.ESIM, state: SimState.IN_STOCK }, select: { id: true } });
    w.stockAway.push(...left.map((profile) => profile.id));
    await db.prisma.simCard.updateMany({ where: { id: { in: w.stockAway } }, data: { state: SimState.DEACTIVATED } });
  },
  /** The operator's new eSIM profiles arrive. */
  esimStockArrives: (w) => restoreStock(w),
  async adminFixesPorting(w) {
    const request = await latestPorting(w.serviceId);
    if ((request?.state !== PortingState.REFUSED && request?.state !== PortingState.CANCELLED) || !w.porting) return undefined;
    return resubmitPorting(db.prisma, w.admin, request.id, w.porting, { alsoInTransaction: scheduleDonorStep(CLOCK) });
  },
};
const stepNames = Object.keys(steps);

async function replacesEsim(w: World, actor: Actor): Promise<void> {
  const outcome = await replaceEsim(db.prisma, actor, w.serviceId);
  if (outcome.ok) w.asksForStock = false;
  else if (outcome.problem === 'no-stock' && actor === w.user) w.asksForStock = true;
}

async function restoreStock(w: World): Promise<void> {
  await db.prisma.simCard.updateMany({ where: { id: { in: w.stockAway } }, data: { state: SimState.IN_STOCK } });
  w.stockAway = [];
}

// ---------------------------------------------------------------------------------------------------------------
// The invariants

const WORKING: ServiceStatus[] = [ServiceStatus.ACTIVE];

async function checkInvariants(w: World): Promise<void> {
  const service = await db.prisma.service.findUniqueOrThrow({ where: { id: w.serviceId }, include: { mobileNumber: true } });
  const porting = await latestPorting(w.serviceId);
  const context = `${w.log.join(' → ')} (now ${service.status}${porting ? `, porting ${porting.state}` : ''})`;
  const fail = (what: string) => {
    throw new Error(`${what}\n  after: ${context}`);
  };

  // (1) Final, or a named next actor in whose list the service shows.
  if (!isFinal(service.status)) {
    const actor = nextActorOf(service.status, { scheduledStartAt: service.scheduledStartAt, porting: porting?.state ?? null });
    if (!actor) fail('a service that is not final names nobody to act next');
    const shown = await shownTo(w, actor!, service.status);
    if (!shown) fail(`the next actor (${actor}) does not see the service in their list`);
  }

  // (2) A number is only ported or moved onto a service that works at that moment.
  if (porting?.state === PortingState.COMPLETED && !WORKING.includes(service.status)) fail('a number was ported onto a line that does not work');
  if (service.mobileNumber?.state === NumberState.IN_USE && !WORKING.includes(service.status)) fail('the mobile number is in use by a service that does not work');
  if (w.colleagueServiceId) {
    const colleague = await db.prisma.service.findUniqueOrThrow({ where: { id: w.colleagueServiceId } });
    const active = service.status === ServiceStatus.ACTIVE;
    if (w.choice.numberOption === 'MOVE' && (colleague.status === ServiceStatus.ENDED) !== active) fail('the colleague\'s number moved while the new service did not work');
    if (w.choice.fixedOption === 'IN_USE' && (colleague.fixedNumberId === null) !== active) fail('the colleague\'s fixed number was taken while the new service did not work');
  }

  // (5) Active means working with the number it was set up with: a ported number has switched, a moved number and a
  // colleague's fixed number have been taken over.
  if (service.status === ServiceStatus.ACTIVE) {
    if (w.choice.numberOption === 'PORT' && porting?.state !== PortingState.COMPLETED) fail('active while the ported number has not switched');
    if (w.choice.type.hasMobileNumber && !service.mobileNumberId) fail('active without a mobile number');
    if (w.choice.type.hasFixedNumber && !service.fixedNumberId) fail('active without its fixed number');
    if (w.choice.type.hasSim && !service.simCardId) fail('active without a SIM card');
  }

  // (3) A UC user (no SIM card) is never asked for one.
  if (!w.choice.type.hasSim) {
    if (service.status === ServiceStatus.WAITING_FOR_SIM || service.simCardId) fail('a service without SIM card waits for one');
    if ((await servicesOfUser(db.prisma, w.user)).some((s) => s.status === ServiceStatus.WAITING_FOR_SIM)) fail('the UC user is asked for a SIM card number');
  }

  // (6) An eSIM: one profile at a time that is not revoked, a revoked one never back, and one to install while waiting.
  await checkEsims(w, service, fail);

  // (7) A new eSIM its user asked for while none was in stock reaches the administrators: told, and under "Needs you
  // now" until one is sent (or the line ends); nothing else is.
  const awaitsStock = w.asksForStock && service.status !== ServiceStatus.ENDED && service.status !== ServiceStatus.CANCELLED;
  const awaiting = await servicesAwaitingEsimStock(db.prisma, w.admin.organisationId);
  if (awaitsStock) {
    const needsYou = (await overviewOf(db.prisma, w.admin, w.admin.organisationId, { clockSpeed: CLOCK })).attention.find((entry) => entry.kind === 'esimAwaitsStock');
    if (!awaiting.includes(w.serviceId) || needsYou?.total !== awaiting.length) fail('a new eSIM waiting for stock is not under the administrators\' "Needs you now"');
    if (!(await db.prisma.notification.count({ where: { serviceId: w.serviceId, kind: 'esim.outOfStock' } }))) fail('the administrators were not told of a new eSIM waiting for stock');
  }
  if (!awaitsStock && awaiting.includes(w.serviceId)) fail('a service is listed as waiting for eSIM stock while nothing waits');

  // (4) Every notification is of a kind with words for its audience; (5) "active" only when it is true; an eSIM's
  // activation code is never in one (the user's card reads it when shown).
  const notifications = await db.prisma.notification.findMany({ where: { serviceId: { in: [w.serviceId, ...(w.colleagueServiceId ? [w.colleagueServiceId] : [])] } } });
  for (const notification of notifications) {
    const audience = (notification.payload as { audience?: string }).audience;
    if (!isNotificationKind(notification.kind)) fail(`a notification of unknown kind ${notification.kind}`);
    if (!(notificationAudiences[notification.kind as keyof typeof notificationAudiences] as readonly string[]).includes(audience ?? '')) {
      fail(`a ${notification.kind} notification to an audience without words (${audience})`);
    }
    if (notification.serviceId === w.serviceId && ['activation.completed', 'porting.completed'].includes(notification.kind) && service.status !== ServiceStatus.ACTIVE) {
      fail(`${notification.kind} was announced while the service is ${service.status}`);
    }
    if (JSON.stringify(notification.payload).includes('LPA:')) fail(`a ${notification.kind} notification carries an activation code`);
  }
}

async function checkEsims(w: World, service: { status: ServiceStatus; simCardId: string | null }, fail: (what: string) => never): Promise<void> {
  const current = service.simCardId ? await db.prisma.simCard.findUniqueOrThrow({ where: { id: service.simCardId } }) : null;
  if (current?.form === SimForm.ESIM && !w.esims.includes(current.id)) w.esims.push(current.id);
  if (w.choice.simOption !== 'ESIM') {
    if (service.status === ServiceStatus.WAITING_FOR_ESIM_INSTALL || current?.form === SimForm.ESIM) fail('a service with a physical SIM card was given an eSIM');
    return;
  }
  if (service.status === ServiceStatus.WAITING_FOR_SIM || service.status === ServiceStatus.READY) fail(`an eSIM service waits for a SIM card (${service.status})`);
  const profiles = await db.prisma.simCard.findMany({ where: { id: { in: w.esims } } });
  const live = profiles.filter((profile) => profile.state !== SimState.DEACTIVATED);
  if (live.length > 1) fail(`the service holds ${live.length} eSIM profiles that are not revoked`);
  if (live[0] && live[0].id !== current?.id) fail('a profile that is not the service\'s is still live');
  for (const profile of profiles) {
    if (!w.revoked.has(profile.id)) {
      if (profile.state === SimState.DEACTIVATED) w.revoked.set(profile.id, profile.installedAt);
      continue;
    }
    if (profile.state !== SimState.DEACTIVATED) fail(`a revoked profile became ${profile.state}`);
    if (profile.installedAt?.getTime() !== w.revoked.get(profile.id)?.getTime()) fail('a revoked profile was installed');
  }
  if (service.status === ServiceStatus.WAITING_FOR_ESIM_INSTALL) {
    if (!current || current.installedAt || current.state === SimState.DEACTIVATED) fail('waiting for the eSIM\'s install without a profile left to install');
    const shown = await esimToInstall(db.prisma, w.user.id, w.serviceId);
    if (shown?.activationCode !== current!.activationCode) fail('the user is not given the profile to install');
  }
}

/** Whether the service appears where its next actor looks. */
async function shownTo(w: World, actor: string, status: ServiceStatus): Promise<boolean> {
  const id = w.serviceId;
  switch (actor) {
    case 'user':
      // The eSIM they are to install, as their card and activation page show it.
      if (status === ServiceStatus.WAITING_FOR_ESIM_INSTALL) return (await esimToInstall(db.prisma, w.user.id, id)) !== null;
      // What "activate my SIM" offers them: the services waiting for their SIM card number or their Start.
      return (await servicesOfUser(db.prisma, w.user)).some((s) => s.id === id && (s.status === ServiceStatus.WAITING_FOR_SIM || s.status === ServiceStatus.READY));
    case 'administrator': {
      if (status === ServiceStatus.WAITING_FOR_ACTIVATION) return (await listWaitingServices(db.prisma, w.admin)).services.some((s) => s.id === id) || (await inFleetList(w, 'waitingForActivation'));
      if (status === ServiceStatus.FAILED) return inFleetList(w, 'failed');
      return (await listPortingIssues(db.prisma, w.admin, w.admin.organisationId)).some((issue) => issue.serviceId === id);
    }
    default:
      // The operator, a donor or time: the service is followed in the overview as in progress.
      return inFleetList(w);
  }
}

async function inFleetList(w: World, state?: 'failed' | 'waitingForActivation'): Promise<boolean> {
  const name = w.user.displayName;
  const page = await listServices(db.prisma, w.admin, { organisationId: w.admin.organisationId, name, ...(state ? { state } : {}) }, { clockSpeed: CLOCK });
  return page.rows.some((row) => row.id === w.serviceId && row.state !== 'active' && row.state !== 'closed');
}

async function apply(w: World, name: string): Promise<void> {
  w.log.push(name);
  await steps[name]!(w);
  await checkInvariants(w);
}

// ---------------------------------------------------------------------------------------------------------------
// The properties

let choices: Choice[] = [];
beforeAll(async () => {
  choices = await allChoices();
});

test('the combinations cover every product, service type and option of both contracts', () => {
  // Demo: Mobile (mobile, data) and SmartMobile (converged, data, UC user); Other Org: Mobile and FMC.
  expect(new Set(choices.map((c) => c.type.code))).toEqual(new Set(['MOBILE', 'MOBILE_INTERNET', 'SM_CONVERGED', 'SM_DATA', 'SM_UC_USER', 'FMC_CONVERGED']));
  expect(choices.length).toBeGreaterThan(100);
});

test('with only happy events, every combination ends active within the help page\'s times', async () => {
  for (const choice of choices) {
    const w = await saveChoice(choice);
    await checkInvariants(w);
    /** The next happy thing to happen, or null when nothing is left to do. */
    const next = async (): Promise<string | null> => {
      const service = await db.prisma.service.findUniqueOrThrow({ where: { id: w.serviceId } });
      const request = await latestPorting(w.serviceId);
      if (service.status === ServiceStatus.WAITING_FOR_ACTIVATION) return 'adminStarts';
      if (service.status === ServiceStatus.WAITING_FOR_SIM) return 'userEntersRightSim';
      if (service.status === ServiceStatus.READY) return 'userStarts';
      if (service.status === ServiceStatus.WAITING_FOR_ESIM_INSTALL) return 'phoneInstallsEsim';
      const jobKinds = [ActivationJobs.sendEmail, ActivationJobs.submitPorting, ActivationJobs.resumePorting, ActivationJobs.provision];
      if (await db.prisma.job.count({ where: { state: 'QUEUED', runAt: { lte: new Date() }, kind: { in: jobKinds } } })) return 'jobsRunAfterRestart';
      if (service.status === ServiceStatus.ACTIVATING) return 'backendAnswersItsOrder';
      if (request && nextStepDueAt(request, CLOCK)) return 'donorTakesNextStep';
      return null;
    };
    for (let i = 0, step = await next(); step && i < 20; i += 1, step = await next()) {
      const before = w.log.length;
      await apply(w, step);
      // A step that changed nothing would be taken again for ever: the service is stuck.
      if (step === 'backendAnswersItsOrder' && !(await db.prisma.job.count({ where: { kind: ActivationJobs.complete, state: 'DONE', payload: { equals: { serviceId: w.serviceId } } } }))) {
        throw new Error(`${describeChoice(choice)}: the backend never received the order, after ${w.log.slice(0, before).join(' → ')}`);
      }
    }
    const done = await db.prisma.service.findUniqueOrThrow({ where: { id: w.serviceId } });
    if (done.status !== ServiceStatus.ACTIVE) throw new Error(`${describeChoice(choice)} ended ${done.status} after ${w.log.join(' → ')}`);
    if (choice.simOption === 'ESIM') {
      expect(await db.prisma.simCard.findUniqueOrThrow({ where: { id: done.simCardId! } })).toMatchObject({ state: SimState.ACTIVE, installedAt: expect.any(Date) });
    }
    // The only waits are the backend's (about an hour, at most two days) and the donor's (one or three working days).
    expect(simulatedActivationMs(done.id)).toBeLessThanOrEqual(ACTIVATION_MAX_MS);
    const request = await latestPorting(done.id);
    if (request?.scheduledAt) {
      const accepted = await db.prisma.serviceEvent.findFirstOrThrow({ where: { serviceId: done.id, kind: 'porting_accepted' }, orderBy: { createdAt: 'desc' } });
      expect(request.scheduledAt.getTime()).toBeLessThanOrEqual(portingSlot(request.holderKind, accepted.createdAt, null).scheduledAt.getTime());
      expect(request.scheduledAt.getTime()).toBeLessThanOrEqual(brusselsInstant(addWorkingDays(brusselsDate(accepted.createdAt), 3), '10:00').getTime());
    }
  }
}, 600_000);

const RUNS = Number(process.env.LIFECYCLE_RUNS ?? 60);

test(`the invariants hold after every step of ${RUNS} random event orders over random combinations`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: 10_000 }),
      fc.array(fc.record({ step: fc.constantFrom(...stepNames), repeat: fc.boolean() }), { minLength: 6, maxLength: 24 }),
      async (pick, events) => {
        const w = await saveChoice(choices[pick % choices.length]!);
        await checkInvariants(w);
        try {
          for (const { step, repeat } of events) {
            await apply(w, step);
            // The same thing again: a double click, a retried job, a replayed webhook.
            if (repeat) await apply(w, step);
          }
        } finally {
          await restoreStock(w);
        }
      },
    ),
    { numRuns: RUNS, seed: Number(process.env.LIFECYCLE_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
  );
}, 900_000);

test('the table names a next actor for every state an event can lead to that is not final', () => {
  for (const row of transitions) {
    if (isFinal(row.to)) continue;
    expect(nextActorOf(row.to, { scheduledStartAt: null, porting: PortingState.SUBMITTED })).not.toBeNull();
  }
});
