import { DEMO_TENANT_ID, demo, demoIccid } from '../prisma/demoData';
import { ActivationMethod, ActivationTiming, NumberKind, Role, ServiceStatus } from '../prisma/generated/enums';
import type { Db } from '../services/platform/db/database';

/**
 * The bench's own people and data, added to the demo organisation of a database used only by the bench: employees
 * each waiting for their SIM card with a stock card to enter, services not started yet for "Start all", free numbers
 * for the migration file, and the notifications the notifier is timed on, held back (due in the year 2100) until the
 * harness releases them.
 */

export const BENCH = {
  /** Employees with a service waiting for their SIM card number: one SIM-number turn each. */
  employees: 2_500,
  /** Services waiting for activation, started at once by "Start all". */
  waitingForActivation: 1_000,
  /** Status updates per notification run. */
  notifications: 10_000,
  /** Rows of the migration file, one new service each (for bench employees, with a new number from the pool). */
  migrationRows: 1_000,
} as const;

/** Notification runs, by the prefix of their idempotency keys. */
export const NotificationRuns = { accepted: 'bench:accepted:', throttled: 'bench:throttled:' } as const;

export interface BenchEmployee {
  aadObjectId: string;
  conversationId: string;
  /** The stock card this employee enters. */
  iccid: string;
}

/** The bench employee a row of the migration file is for. */
export const benchEmployeeEmail = (n: number) => `bench.employee.${n}@demo.example`;

/** The operator's issuer code and a series no demo card uses. */
const BENCH_SIM = { issuer: 10, series: 90 } as const;
const HELD_BACK_UNTIL = new Date('2100-01-01T00:00:00Z');
const CHUNK = 1_000;

export function benchEmployee(n: number): BenchEmployee {
  return {
    aadObjectId: `b0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    conversationId: `a:bench-employee-${n}`,
    iccid: demoIccid(BENCH_SIM.issuer, BENCH_SIM.series, n),
  };
}

async function inChunks<T>(rows: T[], write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK));
}

/** Writes the bench population; `serviceUrl` is where the bench's connector listens, for the employees' chats. */
export async function seedBenchPopulation(db: Db, serviceUrl: string): Promise<void> {
  const organisation = await db.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
  const ann = await db.person.findFirstOrThrow({ where: { organisationId: organisation.id, email: demo.ann.email } });
  const employees = Array.from({ length: BENCH.employees }, (_, n) => ({ n, ...benchEmployee(n) }));

  await inChunks(employees, (chunk) =>
    db.person.createMany({
      data: chunk.map(({ n, aadObjectId }) => ({
        organisationId: organisation.id,
        role: Role.USER,
        aadObjectId,
        email: benchEmployeeEmail(n),
        displayName: `Bench Employee ${n}`,
        preferredLanguage: 'en' as const,
      })),
    }),
  );
  const people = await db.person.findMany({ where: { organisationId: organisation.id, email: { startsWith: 'bench.employee.' } }, select: { id: true, aadObjectId: true } });
  const personOf = new Map(people.map((person) => [person.aadObjectId, person.id]));
  const ids = employees.map(({ aadObjectId }) => personOf.get(aadObjectId)!);

  // Free mobile numbers beside the demo's pool (+324682…), one per row of the migration file.
  await db.phoneNumber.createMany({
    data: Array.from({ length: BENCH.migrationRows }, (_, n) => ({ e164: `+324650${String(n).padStart(5, '0')}`, kind: NumberKind.MOBILE })),
  });
  await inChunks(employees, (chunk) =>
    db.simCard.createMany({ data: chunk.map(({ iccid }) => ({ iccid, organisationId: organisation.id })) }),
  );
  const service = (userId: string, status: ServiceStatus) => ({
    organisationId: organisation.id,
    userId,
    createdById: ann.id,
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    status,
    activationMethod: ActivationMethod.EMAIL,
    activationTiming: ActivationTiming.NOW,
  });
  await inChunks(ids, (chunk) => db.service.createMany({ data: chunk.map((userId) => service(userId, ServiceStatus.WAITING_FOR_SIM)) }));
  await inChunks(ids.slice(0, BENCH.waitingForActivation), (chunk) =>
    db.service.createMany({ data: chunk.map((userId) => service(userId, ServiceStatus.WAITING_FOR_ACTIVATION)) }),
  );
  // Each employee's Teams chat, as the first message from them would have stored it.
  await inChunks(employees, (chunk) =>
    db.conversationReference.createMany({
      data: chunk.map(({ n, aadObjectId, conversationId }) => ({
        channelId: 'msteams',
        conversationId,
        personId: ids[n]!,
        reference: {
          channelId: 'msteams',
          serviceUrl,
          conversation: { id: conversationId, tenantId: DEMO_TENANT_ID, conversationType: 'personal' },
          bot: { id: '28:sim-activation-assistant', name: 'SIM activation assistant' },
          user: { id: `29:${aadObjectId}`, aadObjectId },
        },
      })),
    }),
  );

  const services = await db.service.findMany({ where: { userId: { in: ids }, status: ServiceStatus.WAITING_FOR_SIM }, select: { id: true, userId: true } });
  const serviceOf = new Map(services.map((row) => [row.userId, row.id]));
  for (const prefix of Object.values(NotificationRuns)) {
    const rows = Array.from({ length: BENCH.notifications }, (_, i) => {
      const recipientId = ids[i % ids.length]!;
      return {
        idempotencyKey: `${prefix}${i}`,
        recipientId,
        serviceId: serviceOf.get(recipientId)!,
        kind: 'activation.completed',
        payload: {},
        nextAttemptAt: HELD_BACK_UNTIL,
      };
    });
    await inChunks(rows, (chunk) => db.notification.createMany({ data: chunk }));
  }
}
