import { conversationForToken, issueToken, openConversation } from '../../bot/http/webChat/conversations';
import { demo } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import { JobWorker } from '../../services/platform/jobQueue';
import {
  SESSION_LIFETIME_MS,
  SESSION_REMOVAL_INTERVAL_MS,
  WebSessionJobs,
  endWebSession,
  findWebSession,
  removeEndedSessionsJob,
  scheduleSessionRemoval,
  startWebSession,
} from '../../services/people/webSessions';
import { openTestDatabase } from '../support/database';

let db: Database;
let annId: string;
const HOUR = 3_600_000;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  annId = (await db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email } })).id;
});
afterAll(async () => {
  await db.close();
});

/** Ann signed in `ago` ms ago, with a page's token of her conversation; its token's hour ended `idle` ms ago if given. */
async function signedIn(ago: number, idle?: number) {
  const { conversation } = await openConversation(db.prisma, { personId: annId });
  const session = await startWebSession(db.prisma, { personId: annId, conversationId: conversation.id }, new Date(Date.now() - ago));
  const { token } = await issueToken(db.prisma, conversation);
  if (idle !== undefined) await db.prisma.webChatConversation.update({ where: { id: conversation.id }, data: { expiresAt: new Date(Date.now() - idle) } });
  return { session, token, conversationId: conversation.id };
}

const sessionRows = (conversationId: string) => db.prisma.webSession.count({ where: { conversationId } });
const tokenRows = (conversationId: string) => db.prisma.webChatToken.count({ where: { conversationId } });

test('the hourly job removes expired and signed-out sessions and their tokens, and keeps live ones working', async () => {
  const live = await signedIn(HOUR);
  // Signed in more than twelve hours ago: the session and its conversation's last hour are over.
  const expired = await signedIn(SESSION_LIFETIME_MS + HOUR, HOUR);
  // Signed out, and the page's last token hour over.
  const signedOut = await signedIn(2 * HOUR, 1);
  await endWebSession(db.prisma, signedOut.session.token);
  // Signed out a moment ago: the conversation's token would still be in its hour without the session row.
  const justSignedOut = await signedIn(HOUR);
  await endWebSession(db.prisma, justSignedOut.session.token);

  await scheduleSessionRemoval(db.prisma, Math.floor(Date.now() / SESSION_REMOVAL_INTERVAL_MS));
  const worker = new JobWorker({ db: db.prisma, workerId: 'web-sessions-test', handlers: { [WebSessionJobs.removeEnded]: removeEndedSessionsJob(db.prisma) } });
  expect(await worker.runDue()).toBe(1);

  expect(await sessionRows(expired.conversationId)).toBe(0);
  expect(await tokenRows(expired.conversationId)).toBe(0);
  expect(await sessionRows(signedOut.conversationId)).toBe(0);
  expect(await tokenRows(signedOut.conversationId)).toBe(0);
  // What was removed opens nothing, as before: not the cookie, not the conversation's own token.
  expect(await findWebSession(db.prisma, expired.session.token)).toBeNull();
  expect(await conversationForToken(db.prisma, expired.token)).toBeNull();

  // Kept: the live session, whose page still talks, and the one whose conversation's token is still in its hour.
  expect(await sessionRows(live.conversationId)).toBe(1);
  expect((await findWebSession(db.prisma, live.session.token))?.conversationId).toBe(live.conversationId);
  expect((await conversationForToken(db.prisma, live.token))?.id).toBe(live.conversationId);
  expect(await sessionRows(justSignedOut.conversationId)).toBe(1);
  expect(await conversationForToken(db.prisma, justSignedOut.token)).toBeNull();

  // The next hour's run is queued, once however many processes start.
  const next = Math.floor(Date.now() / SESSION_REMOVAL_INTERVAL_MS) + 1;
  await scheduleSessionRemoval(db.prisma);
  const queued = await db.prisma.job.findMany({ where: { kind: WebSessionJobs.removeEnded, state: 'QUEUED' } });
  expect(queued.map((job) => job.payload)).toEqual([{ hour: next }]);
  expect(queued[0]!.runAt.getTime()).toBe(next * SESSION_REMOVAL_INTERVAL_MS);
});
