import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../services/platform/db/database';
import { Prisma } from '../../prisma/generated/client';
import { openTestDatabase } from '../support/database';

/**
 * Every model of schema.prisma against the migrated database: a model or column added to the schema without a
 * migration fails here, because Prisma writes and reads back every column.
 */
const schema = fs.readFileSync(path.join(__dirname, '../../prisma/schema.prisma'), 'utf8');
const schemaModels = [...schema.matchAll(/^model (\w+) \{/gm)].map((m) => m[1]!).sort();

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

// Rows created by earlier steps, for the relations of later ones.
const ids: Record<string, string> = {};
const p = () => db.prisma;
const past = new Date('2026-01-02T03:04:05.678Z');
const later = new Date('2026-12-31T23:59:59.999Z');

/** One step per model, in dependency order: create it with every column set, read it back, compare. */
const steps: Array<[string, () => Promise<void>]> = [
  ['Organisation', async () => {
    const row = await p().organisation.create({ data: { name: 'Model Test NV', tenantId: 'de300000-0000-4000-8000-0000000000ff', createdAt: past } });
    ids.organisation = row.id;
    expect(await p().organisation.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
  }],
  ['ProductType', async () => {
    const row = await p().productType.create({ data: { code: 'PT', name: 'Product', description: 'A product', sortOrder: 3 } });
    expect(await p().productType.findUniqueOrThrow({ where: { code: 'PT' } })).toEqual(row);
  }],
  ['ContractProduct', async () => {
    const row = await p().contractProduct.create({ data: { organisationId: ids.organisation!, productTypeCode: 'PT' } });
    expect(await p().contractProduct.findUniqueOrThrow({ where: { organisationId_productTypeCode: row }, include: { productType: true } }))
      .toMatchObject({ ...row, productType: { code: 'PT' } });
  }],
  ['ServiceType', async () => {
    const row = await p().serviceType.create({
      data: { code: 'ST', productTypeCode: 'PT', name: 'Type', description: 'A type', hasSim: true, hasMobileNumber: true, hasFixedNumber: true, dataOnly: true, sortOrder: 2 },
    });
    expect(await p().serviceType.findUniqueOrThrow({ where: { code: 'ST' } })).toEqual(row);
  }],
  ['Bundle', async () => {
    const row = await p().bundle.create({ data: { code: 'B', serviceTypeCode: 'ST', name: 'Bundle', dataGb: 5, callMinutes: 100, monthlyPriceCents: 1999, sortOrder: 1 } });
    expect(await p().bundle.findUniqueOrThrow({ where: { code: 'B' } })).toEqual(row);
  }],
  ['BundleOption', async () => {
    const row = await p().bundleOption.create({ data: { code: 'O', serviceTypeCode: 'ST', name: 'Option', description: 'An option', monthlyPriceCents: 500 } });
    expect(await p().bundleOption.findUniqueOrThrow({ where: { code: 'O' } })).toEqual(row);
  }],
  ['Person', async () => {
    const row = await p().person.create({
      data: {
        organisationId: ids.organisation!, role: 'SUPPORT', aadObjectId: 'a0000000-0000-4000-8000-0000000000ff',
        email: 'model.test@model.example', displayName: 'Model Test', preferredLanguage: 'fr', lastLanguage: 'nl', createdAt: past,
      },
    });
    ids.person = row.id;
    expect(await p().person.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
  }],
  ['SupportScope', async () => {
    const row = await p().supportScope.create({ data: { personId: ids.person!, organisationId: ids.organisation! } });
    expect(await p().supportScope.findUniqueOrThrow({ where: { personId_organisationId: row } })).toEqual(row);
  }],
  ['SimCard', async () => {
    const row = await p().simCard.create({ data: { iccid: '8932000000000000000', organisationId: ids.organisation!, state: 'ASSIGNED', createdAt: past } });
    ids.sim = row.id;
    expect(await p().simCard.findUniqueOrThrow({ where: { iccid: row.iccid } })).toEqual(row);
  }],
  ['PhoneNumber', async () => {
    const mobile = await p().phoneNumber.create({
      data: { e164: '+32468000001', kind: 'MOBILE', state: 'RESERVED', organisationId: ids.organisation!, reservedUntil: later, createdAt: past },
    });
    const fixed = await p().phoneNumber.create({ data: { e164: '+3225880001', kind: 'FIXED' } });
    ids.mobile = mobile.id;
    ids.fixed = fixed.id;
    expect(await p().phoneNumber.findUniqueOrThrow({ where: { e164: mobile.e164 } })).toEqual(mobile);
    expect(fixed).toMatchObject({ state: 'FREE', organisationId: null });
  }],
  ['Service', async () => {
    const earlier = await p().service.create({
      data: {
        organisationId: ids.organisation!, userId: ids.person!, productTypeCode: 'PT', serviceTypeCode: 'ST',
        status: 'ENDED', activationMethod: 'AUTOMATIC', activationTiming: 'NOW', endedAt: past,
      },
    });
    const row = await p().service.create({
      data: {
        organisationId: ids.organisation!, userId: ids.person!, createdById: ids.person!, productTypeCode: 'PT',
        serviceTypeCode: 'ST', bundleCode: 'B', optionCodes: ['O'], status: 'WAITING_FOR_SIM', numberOption: 'MOVE',
        mobileNumberId: ids.mobile!, fixedNumberId: ids.fixed!, simCardId: ids.sim!, movedFromServiceId: earlier.id, plannedFixedNumberId: ids.fixed!,
        activationMethod: 'EMAIL', activationTiming: 'LATER', scheduledStartAt: later, failureReason: 'none yet',
        idempotencyKey: 'model-test', createdAt: past, activationStartedAt: past, activatedAt: later, endedAt: null,
      },
    });
    ids.service = row.id;
    const read = await p().service.findUniqueOrThrow({
      where: { idempotencyKey: 'model-test' },
      include: { mobileNumber: true, fixedNumber: true, simCard: true, movedFrom: true, createdBy: true },
    });
    expect(read).toMatchObject({ ...row, movedFrom: { id: earlier.id }, simCard: { id: ids.sim }, fixedNumber: { kind: 'FIXED' } });
    expect(read.updatedAt).toBeInstanceOf(Date);
  }],
  ['ServiceEvent', async () => {
    const row = await p().serviceEvent.create({
      data: { serviceId: ids.service!, kind: 'activated', detail: { attempt: 2, note: 'é' }, actorId: ids.person!, createdAt: past },
    });
    expect(await p().serviceEvent.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
    expect(row.detail).toEqual({ attempt: 2, note: 'é' });
  }],
  ['DonorLine', async () => {
    const row = await p().donorLine.create({
      data: {
        e164: '+32475000001', operatorCode: 'PROXIMUS', holderKind: 'COMPANY', holderName: 'Model Test NV', holderVat: 'BE0456712361',
        lineType: 'PREPAID', customerNumber: '123', simNumber: '8932010000000000000', active: false, smsCancellable: true,
      },
    });
    expect(await p().donorLine.findUniqueOrThrow({ where: { e164: row.e164 } })).toEqual(row);
  }],
  ['PortingRequest', async () => {
    const row = await p().portingRequest.create({
      data: {
        serviceId: ids.service!, attempt: 2, e164: '+32475000001', donorOperator: 'PROXIMUS', holderKind: 'PERSON',
        holderName: 'Model Test', holderVat: null, lineType: 'SUBSCRIPTION', customerNumber: '42', currentSimNumber: '8932',
        wishDate: new Date('2026-03-04T00:00:00.000Z'), state: 'SCHEDULED', refusalCode: 'X', refusalReason: 'because',
        scheduledAt: later, windowEndsAt: later,
      },
    });
    expect(await p().portingRequest.findUniqueOrThrow({ where: { serviceId_attempt: { serviceId: ids.service!, attempt: 2 } } })).toEqual(row);
    expect(row.wishDate?.toISOString()).toBe('2026-03-04T00:00:00.000Z');
  }],
  ['AccessLink', async () => {
    const row = await p().accessLink.create({
      data: {
        tokenHash: 'f'.repeat(64), purpose: 'ACTIVATION', personId: ids.person!, serviceId: ids.service!, expiresAt: later,
        usedAt: past, revokedAt: past, failedAttempts: 3,
      },
    });
    expect(await p().accessLink.findUniqueOrThrow({ where: { tokenHash: row.tokenHash } })).toEqual(row);
  }],
  ['ConversationReference', async () => {
    const row = await p().conversationReference.create({
      data: { channelId: 'msteams', conversationId: 'a:1', personId: ids.person!, reference: { serviceUrl: 'https://example.test', bot: { id: 'b' } } },
    });
    expect(await p().conversationReference.findUniqueOrThrow({ where: { channelId_conversationId: { channelId: 'msteams', conversationId: 'a:1' } } }))
      .toEqual(row);
  }],
  ['BotState', async () => {
    const row = await p().botState.create({ data: { key: 'conversation/x', data: { dialogStack: [] }, etag: 7 } });
    expect(await p().botState.findUniqueOrThrow({ where: { key: row.key } })).toEqual(row);
  }],
  ['Notification', async () => {
    const row = await p().notification.create({
      data: {
        idempotencyKey: 'model-test', recipientId: ids.person!, serviceId: ids.service!, kind: 'activation_email',
        payload: { to: 'person' }, state: 'DELIVERED', attempts: 2, nextAttemptAt: later, lastError: 'timeout',
        deliveredVia: 'email', deliveredAt: later, createdAt: past,
      },
    });
    expect(await p().notification.findUniqueOrThrow({ where: { idempotencyKey: 'model-test' } })).toEqual(row);
  }],
  ['NotificationDigest', async () => {
    const row = await p().notificationDigest.create({
      data: { recipientId: ids.person!, digestKey: 'bulk-model-test', reference: { conversation: { id: 'a:1' } }, activityId: 'activity-1', claimedAt: past, updatedAt: later },
    });
    expect(await p().notificationDigest.findUniqueOrThrow({ where: { recipientId_digestKey: { recipientId: ids.person!, digestKey: 'bulk-model-test' } } })).toEqual(row);
  }],
  ['SendSlot', async () => {
    const row = await p().sendSlot.create({ data: { key: 'teams:conversation:a:1', at: past } });
    expect(await p().sendSlot.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
  }],
  ['AttemptWindow', async () => {
    const row = await p().attemptWindow.create({ data: { key: 'activation-address:model-test', windowStart: past, count: 3 } });
    expect(await p().attemptWindow.findUniqueOrThrow({ where: { key_windowStart: { key: row.key, windowStart: past } } })).toEqual(row);
  }],
  ['Job', async () => {
    const row = await p().job.create({
      data: {
        kind: 'porting.check', payload: { n: 1 }, singletonKey: 'model-test', state: 'RUNNING', runAt: past, attempts: 1,
        lockedBy: 'worker-1', lockedUntil: later, lastError: null, createdAt: past,
      },
    });
    expect(await p().job.findUniqueOrThrow({ where: { singletonKey: 'model-test' } })).toEqual(row);
  }],
  ['ProvisioningEvent', async () => {
    const row = await p().provisioningEvent.create({ data: { eventId: 'evt-model-test', kind: 'porting', subjectId: ids.service!, receivedAt: past } });
    expect(await p().provisioningEvent.findUniqueOrThrow({ where: { eventId: 'evt-model-test' } })).toEqual(row);
  }],
  ['AuditEvent', async () => {
    const row = await p().auditEvent.create({
      data: {
        organisationId: ids.organisation!, actorId: ids.person!, action: 'service.create', subjectType: 'Service',
        subjectId: ids.service!, before: { status: null }, after: { status: 'WAITING_FOR_SIM' }, createdAt: past,
      },
    });
    expect(await p().auditEvent.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
  }],
  ['Escalation', async () => {
    const row = await p().escalation.create({
      data: {
        organisationId: ids.organisation!, serviceId: ids.service!, requestedById: ids.person!, requestKey: 'model-test-escalation', topic: 'calls',
        tried: ['flight mode'], createdAt: past, handledAt: later, handledById: ids.person!,
      },
    });
    expect(await p().escalation.findUniqueOrThrow({ where: { requestKey: 'model-test-escalation' } })).toEqual(row);
  }],
  ['BulkImport', async () => {
    const row = await p().bulkImport.create({
      data: {
        organisationId: ids.organisation!, createdById: ids.person!, status: 'CREATING', fileName: 'migration.csv', totalRows: 10, validRows: 8,
        createdCount: 3, failedCount: 1, start: 'AT', scheduledAt: later, confirmKey: 'model-test-confirm', progressChannelId: 'msteams',
        progressConversationId: 'a:1', progressActivityId: 'activity-2', shownCount: 2, summarySentAt: later, createdAt: past, confirmedAt: past, finishedAt: later,
      },
    });
    ids.bulkImport = row.id;
    expect(await p().bulkImport.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
  }],
  ['BulkImportRow', async () => {
    const row = await p().bulkImportRow.create({
      data: {
        importId: ids.bulkImport!, rowNumber: 2, cells: { user_email: 'x@example.test' }, draft: { optionCodes: [] }, problems: [{ column: 'bundle', message: 'k' }],
        reservedNumberId: ids.person!, serviceId: ids.service!, failure: { message: 'k' },
      },
    });
    expect(await p().bulkImportRow.findUniqueOrThrow({ where: { importId_rowNumber: { importId: ids.bulkImport!, rowNumber: 2 } } })).toEqual(row);
  }],
  ['WebChatConversation', async () => {
    const row = await p().webChatConversation.create({
      data: { id: 'conv-1', tokenHash: 'e'.repeat(64), personId: ids.person!, serviceId: ids.service!, expiresAt: later, nextSeq: 1, createdAt: past },
    });
    expect(await p().webChatConversation.findUniqueOrThrow({ where: { id: 'conv-1' } })).toEqual(row);
  }],
  ['WebChatActivity', async () => {
    const row = await p().webChatActivity.create({
      data: { conversationId: 'conv-1', seq: 0, activityId: 'conv-1|0', activity: { type: 'message', text: 'hi' }, createdAt: past },
    });
    expect(await p().webChatActivity.findUniqueOrThrow({ where: { conversationId_seq: { conversationId: 'conv-1', seq: 0 } } })).toEqual(row);
  }],
  ['WebChatToken', async () => {
    const row = await p().webChatToken.create({ data: { tokenHash: 'f'.repeat(64), conversationId: 'conv-1', createdAt: past } });
    expect(await p().webChatToken.findUniqueOrThrow({ where: { tokenHash: 'f'.repeat(64) } })).toEqual(row);
  }],
  ['WebSession', async () => {
    const row = await p().webSession.create({
      data: { tokenHash: 'a'.repeat(64), personId: ids.person!, conversationId: 'conv-1', createdAt: past, expiresAt: later, revokedAt: past },
    });
    expect(await p().webSession.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
  }],
];

test('the steps below cover exactly the models of schema.prisma and of the generated client', () => {
  expect(steps.map(([model]) => model).sort()).toEqual(schemaModels);
  expect(Object.values(Prisma.ModelName).sort()).toEqual(schemaModels);
});

for (const [model, step] of steps) {
  test(`${model}: a row with every column written and read back`, step);
}
