import { demo } from '../../prisma/demoData';
import { ServiceStatus } from '../../prisma/generated/enums';
import type { PrismaClient } from '../../prisma/generated/client';

/** A new Dstny Mobile service added by Ann for the demo person with `email`, waiting for its start (emailed, later). */
export async function newWaitingService(prisma: PrismaClient, email: string) {
  const [person, ann] = await Promise.all([
    prisma.person.findFirstOrThrow({ where: { email } }),
    prisma.person.findFirstOrThrow({ where: { email: demo.ann.email } }),
  ]);
  return prisma.service.create({
    data: {
      organisationId: person.organisationId, userId: person.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      status: ServiceStatus.WAITING_FOR_ACTIVATION, activationMethod: 'EMAIL', activationTiming: 'LATER',
    },
  });
}
