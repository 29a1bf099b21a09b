import { MessageFactory, type ConversationReference } from 'botbuilder';
import { isLanguage } from '../cards/strings';
import { progressCard, summaryText } from '../dialogs/bulkImport';
import { BulkImportStatus } from '../prisma/generated/enums';
import { claimShowing, importsToShow } from '../services/bulkImport/progress';
import { describeError } from '../services/platform/retry';
import { polling, type Polling } from './polling';
import { sendToPerson, updateSent, type ProactiveDeps, type Recipient } from './proactive';
import { cardActivity } from './replies';

/**
 * Shows the bulk imports' progress: the progress card updated in place as the job creates the services ("412 of
 * 1,000"), and one summary message at the end. Runs in every bot process; each update is claimed first, so two
 * processes do not both make it.
 */

export interface BulkImportProgress extends Polling {
  /** One round, for tests and scripts. */
  runOnce(): Promise<void>;
}

export function createBulkImportProgress(deps: ProactiveDeps, options: { pollIntervalMs?: number } = {}): BulkImportProgress {
  async function runOnce(): Promise<void> {
    for (const bulk of await importsToShow(deps.db)) {
      const finished = bulk.status === BulkImportStatus.DONE;
      if (!(await claimShowing(deps.db, bulk, bulk.createdCount + bulk.failedCount, finished))) continue;
      try {
        await show(deps, bulk, finished);
      } catch (error) {
        // The card shows the next progress; an update lost now is not worth a retry.
        deps.logger.warn({ importId: bulk.id, error: describeError(error) }, 'bulk import progress not shown');
      }
    }
  }
  return { ...polling(runOnce, { intervalMs: options.pollIntervalMs ?? 1_000, logger: deps.logger, what: 'bulk import progress round' }), runOnce };
}

async function show(
  deps: ProactiveDeps,
  bulk: { id: string; createdById: string; progressChannelId: string | null; progressConversationId: string | null; progressActivityId: string },
  finished: boolean,
): Promise<void> {
  const administrator = await deps.db.person.findUniqueOrThrow({ where: { id: bulk.createdById }, include: { organisation: true } });
  const language = [administrator.lastLanguage, administrator.preferredLanguage].find(isLanguage) ?? 'en';
  const to: Recipient = {
    id: administrator.id,
    email: administrator.email,
    aadObjectId: administrator.aadObjectId,
    tenantId: administrator.organisation.tenantId,
    language,
  };
  const stored = bulk.progressChannelId && bulk.progressConversationId
    ? await deps.db.conversationReference.findUnique({
        where: { channelId_conversationId: { channelId: bulk.progressChannelId, conversationId: bulk.progressConversationId } },
      })
    : null;
  if (stored) {
    const card = await progressCard(deps.db, administrator, language, bulk.id);
    await updateSent(deps, to, stored.reference as Partial<ConversationReference>, bulk.progressActivityId, (channelId) => cardActivity(channelId, card));
  }
  if (finished) {
    const text = await summaryText(deps.db, administrator, language, bulk.id);
    await sendToPerson(deps, to, {
      activity: () => MessageFactory.text(text),
      email: { subject: text.split('\n\n')[0]!, paragraphs: text.split('\n\n') },
    });
  }
}
