import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';

/**
 * People first: work nobody is waiting for (jobs, notification rounds) runs "in the background", and where the
 * database is one connection shared by everything (the embedded PGlite), a person's turn takes that connection
 * before any background statement or transaction waiting for it. While background work has waited longer than
 * BACKGROUND_MAX_WAIT_MS, it takes every other turn of the connection, so that a steady stream of turns cannot
 * stall deliveries, and a backlog of deliveries cannot stall turns.
 */

const lane = new AsyncLocalStorage<'background'>();

/** Runs `work`, and everything it starts, as background work. */
export function inBackground<T>(work: () => Promise<T>): Promise<T> {
  return lane.run('background', work);
}

export function isBackground(): boolean {
  return lane.getStore() === 'background';
}

export const BACKGROUND_MAX_WAIT_MS = 25;

interface Waiter {
  since: number;
  go(): void;
}

/** One holder at a time; the next is the oldest waiting turn, unless background work is overdue for its share. */
export class PriorityGate {
  private held = false;
  private lastWentToBackground = false;
  private readonly foreground: Waiter[] = [];
  private readonly background: Waiter[] = [];

  /** Waits for the gate; the returned function hands it on (calling it again does nothing). */
  async acquire(): Promise<() => void> {
    if (this.held) {
      await new Promise<void>((go) => (isBackground() ? this.background : this.foreground).push({ since: Date.now(), go }));
    } else {
      this.held = true;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.handOn();
    };
  }

  private handOn(): void {
    const overdue = !this.lastWentToBackground && this.background.length > 0 && Date.now() - this.background[0]!.since >= BACKGROUND_MAX_WAIT_MS;
    const foreground = overdue ? undefined : this.foreground.shift();
    const next = foreground ?? this.background.shift();
    this.lastWentToBackground = next !== undefined && foreground === undefined;
    if (next) next.go();
    else this.held = false;
  }
}

/**
 * The adapter factory with every statement and transaction of the client passing `gate` (a transaction holds it
 * from BEGIN to COMMIT or ROLLBACK, as the one connection does).
 */
export function prioritised(factory: SqlDriverAdapterFactory, gate: PriorityGate): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => gated(await factory.connect(), gate),
  };
}

/**
 * PGlite answers synchronously, so the statements of turns and jobs in progress would run as one long string of
 * microtasks, during which no request is read, no connection accepted and no reply sent. Each statement lets the
 * event loop's pending I/O in first.
 */
async function acquire(gate: PriorityGate): Promise<() => void> {
  await new Promise((resolve) => setImmediate(resolve));
  return gate.acquire();
}

function gated(adapter: SqlDriverAdapter, gate: PriorityGate): SqlDriverAdapter {
  const through = async <T>(work: () => Promise<T>): Promise<T> => {
    const release = await acquire(gate);
    try {
      return await work();
    } finally {
      release();
    }
  };
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query: SqlQuery) => through(() => adapter.queryRaw(query)),
    executeRaw: (query: SqlQuery) => through(() => adapter.executeRaw(query)),
    executeScript: (script: string) => through(() => adapter.executeScript(script)),
    getConnectionInfo: adapter.getConnectionInfo?.bind(adapter),
    dispose: () => adapter.dispose(),
    startTransaction: async (isolationLevel) => {
      const release = await acquire(gate);
      try {
        return heldUntilEnd(await adapter.startTransaction(isolationLevel), release);
      } catch (error) {
        release();
        throw error;
      }
    },
  };
}

function heldUntilEnd(transaction: Transaction, release: () => void): Transaction {
  const ending = (end: () => Promise<void>) => async () => {
    try {
      await end();
    } finally {
      release();
    }
  };
  return Object.assign(Object.create(transaction) as Transaction, {
    commit: ending(() => transaction.commit()),
    rollback: ending(() => transaction.rollback()),
  });
}
