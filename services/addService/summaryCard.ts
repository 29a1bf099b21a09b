import { z } from 'zod';
import { SimForm, type ActivationMethod, type ActivationTiming, type NumberOption, type ServiceStatus } from '../../prisma/generated/enums';
import { codeAsName, contractCatalog, findServiceType, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import type { Actor } from '../people/people';
import { refuseOrder, requireAdministrator } from './orderAccess';

/**
 * The summary card of a saved service: what it shows, read fresh from the database, and where it was posted, so
 * that status changes can update that card in place.
 */

export const summaryCardPlaceSchema = z.object({
  channelId: z.string().min(1).max(100),
  conversationId: z.string().min(1).max(500),
  activityId: z.string().min(1).max(500),
});
export type SummaryCardPlace = z.infer<typeof summaryCardPlaceSchema>;

/**
 * Remembers where the service's summary card is, so that status changes can update that card in place: the latest
 * `summary_card_posted` event of the service names it.
 */
export async function recordSummaryCard(db: Db, actor: Actor, serviceId: string, place: SummaryCardPlace): Promise<void> {
  await requireAdministrator(db, actor);
  const service = await db.service.findFirst({ where: { id: serviceId, organisationId: actor.organisationId }, select: { id: true } });
  if (!service) return refuseOrder(db, actor, 'no such service in this organisation', { type: 'Service', id: serviceId });
  await db.serviceEvent.create({ data: { serviceId, kind: 'summary_card_posted', detail: summaryCardPlaceSchema.parse(place), actorId: actor.id } });
}

/** Where the service's summary card was last posted, if anywhere. */
export async function summaryCardOf(db: Db, serviceId: string): Promise<SummaryCardPlace | null> {
  const event = await db.serviceEvent.findFirst({ where: { serviceId, kind: 'summary_card_posted' }, orderBy: [{ createdAt: 'desc' }, { sequence: 'desc' }] });
  const place = summaryCardPlaceSchema.safeParse(event?.detail);
  return place.success ? place.data : null;
}

export interface ServiceSummary {
  id: string;
  status: ServiceStatus;
  user: string;
  product: Localised;
  serviceType: Localised;
  bundle: Localised | null;
  options: Localised[];
  numberOption: NumberOption | null;
  mobileNumber: string | null;
  portingNumber: string | null;
  movedFrom: { user: string; e164: string | null } | null;
  simLastDigits: string | null;
  /** The SIM card is an eSIM profile, sent to the user at the start. */
  esim: boolean;
  fixedNumber: string | null;
  activationMethod: ActivationMethod;
  activationTiming: ActivationTiming;
}

/** What the summary card shows, read fresh: the database, not the card, is the truth. */
export async function serviceSummary(db: Db, actor: Actor, serviceId: string): Promise<ServiceSummary> {
  await requireAdministrator(db, actor);
  const service = await db.service.findFirst({
    where: { id: serviceId, organisationId: actor.organisationId },
    include: {
      user: { select: { displayName: true } },
      mobileNumber: { select: { e164: true } },
      fixedNumber: { select: { e164: true } },
      simCard: { select: { iccid: true, form: true } },
      movedFrom: { select: { user: { select: { displayName: true } }, mobileNumber: { select: { e164: true } } } },
      portingRequests: { orderBy: { attempt: 'desc' }, take: 1, select: { e164: true } },
    },
  });
  if (!service) return refuseOrder(db, actor, 'no such service in this organisation', { type: 'Service', id: serviceId });
  const catalog = await contractCatalog(db, actor);
  const product = catalog.find((candidate) => candidate.code === service.productTypeCode);
  const type = findServiceType(catalog, service.serviceTypeCode);
  const bundle = type?.bundles.find((candidate) => candidate.code === service.bundleCode);
  return {
    id: service.id,
    status: service.status,
    user: service.user.displayName,
    product: product?.name ?? codeAsName(service.productTypeCode),
    serviceType: type?.name ?? codeAsName(service.serviceTypeCode),
    bundle: bundle?.name ?? (service.bundleCode ? codeAsName(service.bundleCode) : null),
    options: service.optionCodes.map((option) => type?.options.find((candidate) => candidate.code === option)?.name ?? codeAsName(option)),
    numberOption: service.numberOption,
    mobileNumber: service.mobileNumber?.e164 ?? null,
    portingNumber: service.portingRequests[0]?.e164 ?? null,
    movedFrom: service.movedFrom ? { user: service.movedFrom.user.displayName, e164: service.movedFrom.mobileNumber?.e164 ?? null } : null,
    simLastDigits: service.simCard ? service.simCard.iccid.slice(-4) : null,
    esim: service.simCard?.form === SimForm.ESIM,
    // A colleague's number to take over is shown from the start: it is this service's once it activates.
    fixedNumber: service.fixedNumber?.e164 ?? (service.plannedFixedNumberId ? (await db.phoneNumber.findUnique({ where: { id: service.plannedFixedNumberId } }))?.e164 ?? null : null),
    activationMethod: service.activationMethod,
    activationTiming: service.activationTiming,
  };
}