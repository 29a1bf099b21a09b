import type { Prisma } from '../../prisma/generated/client';

/**
 * Takes one unused eSIM profile of the organisation's stock for a service, or null when there is none. Two orders saved
 * at the same moment never get the same profile: each skips the rows the other holds.
 */
export async function takeEsimFromStock(tx: Prisma.TransactionClient, organisationId: string): Promise<string | null> {
  const [taken] = await tx.$queryRaw<Array<{ id: string }>>`
    UPDATE "SimCard" SET state = 'ASSIGNED'
    WHERE id = (
      SELECT c.id FROM "SimCard" c
      WHERE c."organisationId" = ${organisationId}::uuid AND c.form = 'ESIM' AND c.state = 'IN_STOCK'
        AND NOT EXISTS (SELECT 1 FROM "Service" s WHERE s."simCardId" = c.id)
      ORDER BY c."createdAt", c.iccid
      LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    RETURNING id`;
  return taken?.id ?? null;
}
