import { catalogTranslationsSchema } from '../services/catalog/catalog';
import type { Db } from '../services/platform/db/database';
import { Prisma } from './generated/client';
import {
  ActivationMethod,
  ActivationTiming,
  NumberKind,
  NumberOption,
  NumberState,
  ServiceStatus,
  SimForm,
  SimState,
} from './generated/enums';
import catalog from './seed-data/catalog.json';
import {
  DEMO_COMPANY,
  OTHER_COMPANY,
  convergedServices,
  demo,
  demoScenario,
  demoEsimProfiles,
  demoStockIccids,
  donorLines,
  freeFixedNumbers,
  freeMobileNumbers,
  generatedDemoEmployees,
  generatedOtherEmployees,
  other,
  otherScenario,
  otherEsimProfiles,
  otherStockIccids,
  type DemoPerson,
} from './demoData';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface EventSeed {
  kind: string;
  /** How long before the seed ran it happened: timelines stay believable whenever the demo is started. */
  ago: number;
  by?: 'admin' | 'user';
  detail?: Prisma.InputJsonObject;
}

type PortingSeed = Omit<Prisma.PortingRequestCreateWithoutServiceInput, 'createdAt'> & { ago: number };

interface ServiceSeed {
  /** Stored as the service's idempotency key, which makes the seed skip services it already created. */
  key: string;
  tenantId: string;
  userEmail: string;
  adminEmail: string;
  productTypeCode: string;
  serviceTypeCode: string;
  bundleCode: string;
  optionCodes?: string[];
  status: ServiceStatus;
  numberOption: NumberOption;
  activationMethod: ActivationMethod;
  activationTiming: ActivationTiming;
  mobileNumber?: string;
  fixedNumber?: string;
  iccid?: string;
  porting?: PortingSeed;
  events: EventSeed[];
}

/**
 * Seeds the catalog and the demo organisations (README.md, "Demo data"). Idempotent and cheap on a seeded database (catalog
 * upserts, then bulk inserts that skip what exists: about 0.1 s), so it runs on every start; apart from the catalog,
 * nothing already there is changed, so what people did in the demo survives a restart.
 */
export async function seedDemo(db: Db): Promise<void> {
  await seedCatalog(db);
  const demoOrg = await upsertOrganisation(db, DEMO_COMPANY);
  const otherOrg = await upsertOrganisation(db, OTHER_COMPANY);
  await db.person.createMany({
    data: [
      ...[...Object.values(demo), ...generatedDemoEmployees].map((person) => personRow(demoOrg.id, person)),
      ...[...Object.values(other), ...generatedOtherEmployees].map((person) => personRow(otherOrg.id, person)),
    ],
    skipDuplicates: true,
  });
  const people = await db.person.findMany({
    where: { organisationId: { in: [demoOrg.id, otherOrg.id] } },
    select: { id: true, organisationId: true, email: true },
  });
  const personId = (organisationId: string, email: string) => {
    const found = people.find((person) => person.organisationId === organisationId && person.email === email);
    // The address stays out of the message: errors reach the log.
    if (!found) throw new Error(`seed: a seeded service names someone missing from organisation ${organisationId}`);
    return found.id;
  };
  await db.supportScope.createMany({
    data: [{ personId: personId(demoOrg.id, demo.sam.email), organisationId: demoOrg.id }],
    skipDuplicates: true,
  });

  const organisationIds = new Map([
    [DEMO_COMPANY.tenantId, demoOrg.id],
    [OTHER_COMPANY.tenantId, otherOrg.id],
  ]);
  const orgOf = (tenantId: string) => organisationIds.get(tenantId)!;
  const services = serviceSeeds();
  await seedStock(db, demoOrg.id, otherOrg.id, services, orgOf);
  await db.donorLine.createMany({ data: donorLines, skipDuplicates: true });
  await seedServices(db, services, orgOf, personId);
}

function personRow(organisationId: string, person: DemoPerson): Prisma.PersonCreateManyInput {
  return { organisationId, ...person };
}

/** The operator's products, service types, bundles and options: every database needs them, demo or not. */
export async function seedCatalog(db: Db): Promise<void> {
  // Upserts rather than skipping: a changed catalog.json reaches existing databases at the next start. Every item
  // must carry its Dutch and French words: the parse refuses a catalog.json that lacks them.
  const words = (item: { translations: unknown }) => catalogTranslationsSchema.parse(item.translations);
  for (const [p, product] of catalog.productTypes.entries()) {
    const productData = { name: product.name, description: product.description, translations: words(product), sortOrder: p };
    await db.productType.upsert({ where: { code: product.code }, create: { code: product.code, ...productData }, update: productData });
    for (const [s, type] of product.serviceTypes.entries()) {
      const { bundles, options, code, ...rest } = type;
      const typeData = { ...rest, translations: words(type), productTypeCode: product.code, sortOrder: s };
      await db.serviceType.upsert({ where: { code }, create: { code, ...typeData }, update: typeData });
      for (const [b, bundle] of bundles.entries()) {
        const bundleData = { ...bundle, translations: words(bundle), serviceTypeCode: code, sortOrder: b };
        await db.bundle.upsert({ where: { code: bundle.code }, create: bundleData, update: bundleData });
      }
      for (const option of options) {
        const optionData = { ...option, translations: words(option), serviceTypeCode: code };
        await db.bundleOption.upsert({ where: { code: option.code }, create: optionData, update: optionData });
      }
    }
  }
}

async function upsertOrganisation(db: Db, company: { tenantId: string; name: string; vat: string; products: string[] }) {
  const organisation = await db.organisation.upsert({
    where: { tenantId: company.tenantId },
    create: { tenantId: company.tenantId, name: company.name, vatNumber: company.vat },
    update: {},
  });
  await db.contractProduct.createMany({
    data: company.products.map((productTypeCode) => ({ organisationId: organisation.id, productTypeCode })),
    skipDuplicates: true,
  });
  return organisation;
}

/** SIM cards and numbers: the unused stock and free pools, and those the seeded services hold, in their states. */
async function seedStock(
  db: Db,
  demoOrgId: string,
  otherOrgId: string,
  services: ServiceSeed[],
  orgOf: (tenantId: string) => string,
): Promise<void> {
  const active = (service: ServiceSeed) => service.status === ServiceStatus.ACTIVE;
  // A line that works while its ported number has not switched yet has an active SIM card.
  const simActive = (service: ServiceSeed) => active(service) || service.status === ServiceStatus.WAITING_FOR_PORTING;
  await db.simCard.createMany({
    data: [
      ...demoStockIccids.map((iccid) => ({ iccid, organisationId: demoOrgId })),
      ...otherStockIccids.map((iccid) => ({ iccid, organisationId: otherOrgId })),
      ...demoEsimProfiles.map((profile) => ({ ...profile, form: SimForm.ESIM, organisationId: demoOrgId })),
      ...otherEsimProfiles.map((profile) => ({ ...profile, form: SimForm.ESIM, organisationId: otherOrgId })),
      ...services.flatMap((service) =>
        service.iccid
          ? [{ iccid: service.iccid, organisationId: orgOf(service.tenantId), state: simActive(service) ? SimState.ACTIVE : SimState.ASSIGNED }]
          : [],
      ),
    ],
    skipDuplicates: true,
  });
  const held = (service: ServiceSeed, e164: string | undefined, kind: NumberKind) =>
    e164
      ? [{ e164, kind, organisationId: orgOf(service.tenantId), state: active(service) ? NumberState.IN_USE : NumberState.RESERVED }]
      : [];
  await db.phoneNumber.createMany({
    data: [
      ...freeMobileNumbers.map((e164) => ({ e164, kind: NumberKind.MOBILE })),
      ...freeFixedNumbers.map((e164) => ({ e164, kind: NumberKind.FIXED })),
      ...services.flatMap((service) => [
        ...held(service, service.mobileNumber, NumberKind.MOBILE),
        ...held(service, service.fixedNumber, NumberKind.FIXED),
      ]),
    ],
    skipDuplicates: true,
  });
}

async function seedServices(
  db: Db,
  services: ServiceSeed[],
  orgOf: (tenantId: string) => string,
  personId: (organisationId: string, email: string) => string,
): Promise<void> {
  const existing = await db.service.findMany({
    where: { idempotencyKey: { in: services.map((service) => service.key) } },
    select: { idempotencyKey: true },
  });
  const missing = services.filter((service) => !existing.some((row) => row.idempotencyKey === service.key));
  if (missing.length === 0) return;
  const [sims, numbers] = await Promise.all([
    db.simCard.findMany({ where: { iccid: { in: missing.flatMap((s) => (s.iccid ? [s.iccid] : [])) } }, select: { id: true, iccid: true } }),
    db.phoneNumber.findMany({
      where: { e164: { in: missing.flatMap((s) => [s.mobileNumber, s.fixedNumber].filter((n): n is string => !!n)) } },
      select: { id: true, e164: true },
    }),
  ]);
  const simId = (iccid?: string) => (iccid ? sims.find((sim) => sim.iccid === iccid)?.id : undefined);
  const numberId = (e164?: string) => (e164 ? numbers.find((n) => n.e164 === e164)?.id : undefined);
  const now = Date.now();

  for (const service of missing) {
    const organisationId = orgOf(service.tenantId);
    const userId = personId(organisationId, service.userEmail);
    const adminId = personId(organisationId, service.adminEmail);
    const at = (ago: number) => new Date(now - ago);
    // One millisecond apart per position, so that events of the same moment keep their order.
    const events = service.events.map((event, position) => ({
      kind: event.kind,
      detail: event.detail ?? {},
      actorId: event.by === 'admin' ? adminId : event.by === 'user' ? userId : null,
      createdAt: at(event.ago - position),
    }));
    const eventAt = (kind: string) => events.find((event) => event.kind === kind)?.createdAt;
    try {
      await db.service.create({
        data: {
          idempotencyKey: service.key,
          organisationId,
          userId,
          createdById: adminId,
          productTypeCode: service.productTypeCode,
          serviceTypeCode: service.serviceTypeCode,
          bundleCode: service.bundleCode,
          optionCodes: service.optionCodes ?? [],
          status: service.status,
          numberOption: service.numberOption,
          activationMethod: service.activationMethod,
          activationTiming: service.activationTiming,
          mobileNumberId: numberId(service.mobileNumber),
          fixedNumberId: numberId(service.fixedNumber),
          simCardId: simId(service.iccid),
          createdAt: events[0]!.createdAt,
          activationStartedAt: eventAt('activation_started') ?? eventAt('service_started'),
          activatedAt: eventAt('activated'),
          events: { createMany: { data: events } },
          portingRequests: service.porting ? { create: portingRow(service.porting, at) } : undefined,
        },
      });
    } catch (error) {
      // Another process seeding the same database at the same moment created it first.
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
    }
  }
}

function portingRow({ ago, ...request }: PortingSeed, at: (ago: number) => Date): Prisma.PortingRequestCreateWithoutServiceInput {
  return { ...request, createdAt: at(ago) };
}

/** The services behind the demo people's states (README.md, "Demo data"), the fixed numbers in use, and Other Org's services. */
function serviceSeeds(): ServiceSeed[] {
  const demoMobile = {
    tenantId: DEMO_COMPANY.tenantId,
    adminEmail: demo.ann.email,
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
  };
  const created = (ago: number, numberOption: NumberOption): EventSeed => ({
    kind: 'service_created',
    ago,
    by: 'admin',
    detail: { numberOption },
  });
  const pieter = demoScenario.pieter.porting;
  return [
    {
      ...demoMobile,
      key: 'seed:demo:jan',
      userEmail: demo.jan.email,
      bundleCode: 'MOB_M',
      status: ServiceStatus.WAITING_FOR_SIM,
      numberOption: NumberOption.NEW,
      activationMethod: ActivationMethod.EMAIL,
      activationTiming: ActivationTiming.NOW,
      mobileNumber: demoScenario.jan.mobileNumber,
      events: [
        created(2 * HOUR + 5 * 60_000, NumberOption.NEW),
        { kind: 'number_reserved', ago: 2 * HOUR + 5 * 60_000 },
        { kind: 'activation_email_sent', ago: 2 * HOUR + 4 * 60_000 },
      ],
    },
    {
      ...demoMobile,
      key: 'seed:demo:marie',
      userEmail: demo.marie.email,
      bundleCode: 'MOB_S',
      optionCodes: ['INTL_100'],
      status: ServiceStatus.WAITING_FOR_ACTIVATION,
      numberOption: NumberOption.NEW,
      activationMethod: ActivationMethod.EMAIL,
      activationTiming: ActivationTiming.LATER,
      mobileNumber: demoScenario.marie.mobileNumber,
      events: [
        created(DAY + 3 * HOUR, NumberOption.NEW),
        { kind: 'number_reserved', ago: DAY + 3 * HOUR },
        { kind: 'activation_deferred', ago: DAY + 3 * HOUR, by: 'admin' },
      ],
    },
    {
      // The administrator entered the SIM card and chose automatic activation: the line works and waits for its
      // number, whose transfer was refused.
      ...demoMobile,
      key: 'seed:demo:pieter',
      userEmail: demo.pieter.email,
      bundleCode: 'MOB_L',
      status: ServiceStatus.WAITING_FOR_PORTING,
      numberOption: NumberOption.PORT,
      activationMethod: ActivationMethod.AUTOMATIC,
      activationTiming: ActivationTiming.NOW,
      iccid: demoScenario.pieter.iccid,
      porting: {
        ago: 3 * DAY,
        attempt: 1,
        e164: pieter.e164,
        donorOperator: pieter.operatorCode,
        holderKind: pieter.holderKind,
        holderName: pieter.holderName,
        holderVat: pieter.holderVat,
        lineType: pieter.lineType,
        customerNumber: pieter.submittedCustomerNumber,
        state: 'REFUSED',
        refusalCode: 'WRONG_CUSTOMER_NUMBER',
        refusalReason:
          'Proximus refused the transfer: the customer number given does not match the one Proximus has for this ' +
          'number. The right customer number is on a recent Proximus invoice of Demo Company NV.',
      },
      events: [
        created(3 * DAY, NumberOption.PORT),
        { kind: 'sim_assigned', ago: 3 * DAY, by: 'admin' },
        { kind: 'service_started', ago: 3 * DAY, by: 'admin', detail: { method: ActivationMethod.AUTOMATIC } },
        { kind: 'porting_submitted', ago: 3 * DAY - 10 * 60_000, detail: { attempt: 1, operator: pieter.operatorCode } },
        { kind: 'provisioned', ago: 3 * DAY - 55 * 60_000 },
        {
          kind: 'porting_refused',
          ago: 2 * DAY + 20 * HOUR,
          detail: { attempt: 1, operator: pieter.operatorCode, refusalCode: 'WRONG_CUSTOMER_NUMBER' },
        },
      ],
    },
    {
      ...demoMobile,
      key: 'seed:demo:luc',
      userEmail: demo.luc.email,
      bundleCode: 'MOB_M',
      status: ServiceStatus.ACTIVE,
      numberOption: NumberOption.NEW,
      activationMethod: ActivationMethod.EMAIL,
      activationTiming: ActivationTiming.NOW,
      mobileNumber: demoScenario.luc.mobileNumber,
      iccid: demoScenario.luc.iccid,
      events: [
        created(32 * DAY, NumberOption.NEW),
        { kind: 'number_reserved', ago: 32 * DAY },
        { kind: 'activation_email_sent', ago: 32 * DAY - 60_000 },
        { kind: 'sim_submitted', ago: 31 * DAY, by: 'user' },
        { kind: 'activation_started', ago: 31 * DAY - 60_000 },
        { kind: 'activated', ago: 31 * DAY - 55 * 60_000 },
      ],
    },
    ...convergedServices.map(
      (converged, n): ServiceSeed => ({
        key: `seed:demo:converged:${n + 1}`,
        tenantId: DEMO_COMPANY.tenantId,
        adminEmail: demo.ann.email,
        userEmail: converged.email,
        productTypeCode: 'DSTNY_SMARTMOBILE',
        serviceTypeCode: 'SM_CONVERGED',
        bundleCode: n % 2 === 0 ? 'SM_CONV_10' : 'SM_CONV_40',
        status: ServiceStatus.ACTIVE,
        numberOption: NumberOption.NEW,
        activationMethod: ActivationMethod.AUTOMATIC,
        activationTiming: ActivationTiming.NOW,
        mobileNumber: converged.mobileNumber,
        fixedNumber: converged.fixedNumber,
        iccid: converged.iccid,
        events: [
          created((90 - n * 7) * DAY, NumberOption.NEW),
          { kind: 'sim_assigned', ago: (90 - n * 7) * DAY, by: 'admin' },
          { kind: 'activation_started', ago: (90 - n * 7) * DAY - 60_000 },
          { kind: 'activated', ago: (90 - n * 7) * DAY - 50 * 60_000 },
        ],
      }),
    ),
    {
      key: 'seed:other:oscar',
      tenantId: OTHER_COMPANY.tenantId,
      adminEmail: other.olga.email,
      userEmail: other.oscar.email,
      productTypeCode: 'DSTNY_MOBILE',
      serviceTypeCode: 'MOBILE',
      bundleCode: 'MOB_S',
      status: ServiceStatus.ACTIVE,
      numberOption: NumberOption.NEW,
      activationMethod: ActivationMethod.AUTOMATIC,
      activationTiming: ActivationTiming.NOW,
      mobileNumber: otherScenario.oscar.mobileNumber,
      iccid: otherScenario.oscar.iccid,
      events: [
        created(20 * DAY, NumberOption.NEW),
        { kind: 'sim_assigned', ago: 20 * DAY, by: 'admin' },
        { kind: 'activation_started', ago: 20 * DAY - 60_000 },
        { kind: 'activated', ago: 20 * DAY - 40 * 60_000 },
      ],
    },
    {
      key: 'seed:other:ines',
      tenantId: OTHER_COMPANY.tenantId,
      adminEmail: other.olga.email,
      userEmail: other.ines.email,
      productTypeCode: 'DSTNY_MOBILE',
      serviceTypeCode: 'MOBILE',
      bundleCode: 'MOB_M',
      status: ServiceStatus.WAITING_FOR_SIM,
      numberOption: NumberOption.NEW,
      activationMethod: ActivationMethod.EMAIL,
      activationTiming: ActivationTiming.NOW,
      mobileNumber: otherScenario.ines.mobileNumber,
      events: [
        created(5 * HOUR, NumberOption.NEW),
        { kind: 'number_reserved', ago: 5 * HOUR },
        { kind: 'activation_email_sent', ago: 5 * HOUR - 60_000 },
      ],
    },
    {
      key: 'seed:other:tom',
      tenantId: OTHER_COMPANY.tenantId,
      adminEmail: other.olga.email,
      userEmail: other.tom.email,
      productTypeCode: 'DSTNY_FMC',
      serviceTypeCode: 'FMC_CONVERGED',
      bundleCode: 'FMC_10',
      status: ServiceStatus.ACTIVE,
      numberOption: NumberOption.NEW,
      activationMethod: ActivationMethod.AUTOMATIC,
      activationTiming: ActivationTiming.NOW,
      mobileNumber: otherScenario.tom.mobileNumber,
      fixedNumber: otherScenario.tom.fixedNumber,
      iccid: otherScenario.tom.iccid,
      events: [
        created(45 * DAY, NumberOption.NEW),
        { kind: 'sim_assigned', ago: 45 * DAY, by: 'admin' },
        { kind: 'activation_started', ago: 45 * DAY - 60_000 },
        { kind: 'activated', ago: 45 * DAY - 45 * 60_000 },
      ],
    },
  ];
}
