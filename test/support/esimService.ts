import { demo } from '../../prisma/demoData';
import type { PrismaClient } from '../../prisma/generated/client';
import { ServiceStatus, SimForm, SimState } from '../../prisma/generated/enums';
import { startService } from '../../services/lifecycle/activation';

/** The eSIM profile a service was given, as the demo stock holds it: its code is what the person must be shown. */
export interface GivenEsim {
  iccid: string;
  activationCode: string;
  confirmationCode: string | null;
}

/**
 * A Dstny Mobile service of the demo person with `email`, added by Ann and waiting for its start, given an eSIM profile
 * of the demo stock as saving an order reserves one (`withConfirmationCode`: one whose phone asks a confirmation code).
 */
export async function esimServiceToStart(prisma: PrismaClient, email: string, options: { withConfirmationCode?: boolean } = {}) {
  const [person, ann] = await Promise.all([
    prisma.person.findFirstOrThrow({ where: { email } }),
    prisma.person.findFirstOrThrow({ where: { email: demo.ann.email } }),
  ]);
  const profile = await prisma.simCard.findFirstOrThrow({
    where: {
      organisationId: person.organisationId, form: SimForm.ESIM, state: SimState.IN_STOCK, service: { is: null },
      confirmationCode: options.withConfirmationCode ? { not: null } : null,
    },
    orderBy: { iccid: 'asc' },
  });
  await prisma.simCard.update({ where: { id: profile.id }, data: { state: SimState.ASSIGNED } });
  const service = await prisma.service.create({
    data: {
      organisationId: person.organisationId, userId: person.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      status: ServiceStatus.WAITING_FOR_ACTIVATION, activationMethod: 'EMAIL', activationTiming: 'LATER', simCardId: profile.id,
    },
  });
  const esim: GivenEsim = { iccid: profile.iccid, activationCode: profile.activationCode!, confirmationCode: profile.confirmationCode };
  return { service, esim };
}

/** The same, started by Ann: the eSIM is sent, and its updates and activation email are queued. */
export async function startedEsimService(prisma: PrismaClient, email: string, options: { withConfirmationCode?: boolean } = {}) {
  const given = await esimServiceToStart(prisma, email, options);
  const ann = await prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
  await startService(prisma, ann, given.service.id);
  return given;
}

/** The matching id of an activation code: the part that, with the SM-DP+ address, downloads the profile. */
export const matchingIdOf = (activationCode: string) => activationCode.split('$')[2]!;
