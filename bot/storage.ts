import type { Storage, StoreItems } from 'botbuilder';
import { Prisma } from '../prisma/generated/client';
import type { Db } from '../services/platform/db/database';

/** A write whose eTag no longer matches the stored item: another turn changed it first. */
export class StorageConflictError extends Error {
  constructor(readonly key: string) {
    super(`storage item ${key} was changed by another turn (eTag mismatch)`);
    this.name = 'StorageConflictError';
  }
}

/**
 * botbuilder Storage on the BotState table, so that conversation and user state survive a restart and several
 * processes can share it. eTags are the row's version number: '*' or no eTag writes unconditionally (last write
 * wins), any other eTag must match the stored version.
 */
export class PrismaStorage implements Storage {
  constructor(private readonly db: Db) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const rows = await this.db.botState.findMany({ where: { key: { in: keys } } });
    const items: StoreItems = {};
    for (const row of rows) {
      items[row.key] = { ...(row.data as Record<string, unknown>), eTag: String(row.etag) };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...rest } = (item ?? {}) as Record<string, unknown>;
      // JSON round trip: what comes back from a read is exactly what JSON can carry (dates become strings).
      const data = JSON.parse(JSON.stringify(rest)) as Prisma.InputJsonObject;
      if (eTag === undefined || eTag === '*' || eTag === '') {
        await this.db.botState.upsert({
          where: { key },
          create: { key, data },
          update: { data, etag: { increment: 1 } },
        });
        continue;
      }
      const version = Number(eTag);
      const updated = Number.isInteger(version)
        ? await this.db.botState.updateMany({ where: { key, etag: version }, data: { data, etag: { increment: 1 } } })
        : { count: 0 };
      if (updated.count === 1) continue;
      // An eTag on an item that does not exist (any more) is not a conflict, as in botbuilder's MemoryStorage.
      const exists = await this.db.botState.findUnique({ where: { key }, select: { key: true } });
      if (exists) throw new StorageConflictError(key);
      try {
        await this.db.botState.create({ data: { key, data } });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new StorageConflictError(key);
        }
        throw error;
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.botState.deleteMany({ where: { key: { in: keys } } });
  }
}
