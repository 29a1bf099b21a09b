import { z } from 'zod';
import type { BulkImport } from '../../prisma/generated/client';
import { Role } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { refuse, type Actor } from '../people/people';

/** Who may act on an import: an administrator, on their own organisation's imports; every refusal is audited. */

export const refuseImport = (db: Db, actor: Actor, reason: string, importId: string | null = null) =>
  refuse(db, actor, { action: 'bulkImport.denied', subjectType: 'BulkImport', subjectId: importId, reason });

export async function requireAdministrator(db: Db, actor: Actor, importId: string | null = null): Promise<void> {
  if (actor.role !== Role.ADMINISTRATOR) await refuseImport(db, actor, `role ${actor.role} may not import services`, importId);
}

/** The import if it is the administrator's organisation's; another organisation's (a replayed card) is refused. */
export async function importFor(db: Db, actor: Actor, importId: string): Promise<BulkImport> {
  const wellFormed = z.uuid().safeParse(importId).success;
  await requireAdministrator(db, actor, wellFormed ? importId : null);
  const found = wellFormed ? await db.bulkImport.findUnique({ where: { id: importId } }) : null;
  if (!found || found.organisationId !== actor.organisationId) return refuseImport(db, actor, 'no such import in this organisation', found ? importId : null);
  return found;
}
