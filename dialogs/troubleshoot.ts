import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { renderQuestionCard, type DataButton } from '../cards/questionCard';
import { listOf, t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import type { Db } from '../services/platform/db/database';
import { escalateToAdministrators } from '../services/lifecycle/escalation';
import { articleFor, topics, type Topic } from './knowledge/knowledgeBase';
import type { Actor } from '../services/people/people';
import { findServicesOf, type ServiceSummary } from '../services/fleet/lookUp';
import { action, defineFeature, plainAction, type FeatureTurn, type PublicTurn } from './feature';
import type { Reply } from './reply';
import type { IntentName } from './understanding/intents';
import { welcomeFor } from './welcome';
import { refusalText } from './portingIssues';

/**
 * Guided troubleshooting: what fails, then the person's real service first (still activating, porting on its way,
 * refused, failed), and only for a working service the knowledge base's steps, one at a time, each asking whether
 * it helped; when none did, the fleet administrator is told.
 */

export const problems = ['calls', 'data', 'sms', 'pin'] as const;
export type Problem = (typeof problems)[number];

const topicOf: Record<Problem, Topic> = { calls: 'noNetwork', sms: 'noNetwork', data: 'mobileData', pin: 'pin' };
const problemLabel: Record<Problem, StringKey> = {
  calls: 'help.problem.calls',
  data: 'help.problem.data',
  sms: 'help.problem.sms',
  pin: 'help.problem.pin',
};

/** The unfinished guided help, kept in the conversation state and checked when read back. */
export const helpFlowSchema = z.object({
  flowId: z.uuid(),
  problem: z.enum(problems).optional(),
  /** The step shown last, from 0. */
  step: z.number().int().min(0).max(20),
  tried: z.array(z.string().max(500)).max(10),
});
export type HelpFlow = z.infer<typeof helpFlowSchema>;

/** What the buttons carry back: untrusted until parsed and matched with the flow in progress. */
export const problemChoiceSchema = z.object({ flowId: z.uuid(), problem: z.enum(problems) });
export const stepAnswerSchema = z.object({ flowId: z.uuid(), step: z.coerce.number().int().min(0), outcome: z.enum(['solved', 'notSolved']) });
export const contactRequestSchema = z.object({ flowId: z.uuid() });

export interface Turn {
  replies: Reply[];
  /** The flow to keep; undefined ends it. */
  flow?: HelpFlow;
}

export function whatFails(language: Language, flowId: string): Turn {
  const buttons: DataButton[] = problems.map((problem) => ({
    title: t(language, problemLabel[problem]),
    verb: Verbs.troubleshoot.problem,
    data: { flowId, problem },
  }));
  const card = renderQuestionCard({ title: t(language, 'help.whatFails.title'), text: t(language, 'help.whatFails.text'), buttons });
  return { replies: [{ kind: 'card', card }], flow: { flowId, step: 0, tried: [] } };
}

/** A knowledge-base answer, whole. */
export function knowledgeAnswer(language: Language, topic: Topic): Reply {
  const article = articleFor(language, topic);
  return { kind: 'text', text: `**${article.title}**\n\n${article.body}` };
}

/** The person chose what fails: their service's situation first, then the first step if the service works. */
export async function beginTroubleshooting(db: Db, actor: Actor, language: Language, flowId: string, problem: Problem): Promise<Turn> {
  const [own] = await findServicesOf(db, actor);
  const service = currentService(own?.services ?? []);
  const flow: HelpFlow = { flowId, problem, step: 0, tried: [] };
  const situation = service ? situationOf(language, service) : { text: t(language, 'help.state.none'), stepsHelp: true };
  if (!situation.stepsHelp) {
    return { replies: [{ kind: 'card', card: contactCard(language, flowId, '', situation.text) }], flow };
  }
  return { replies: [{ kind: 'text', text: situation.text }, stepCard(language, flow)], flow };
}

/** The answer to "did this step help?". */
export function afterStep(language: Language, flow: HelpFlow, outcome: 'solved' | 'notSolved'): Turn {
  if (outcome === 'solved') return { replies: [{ kind: 'text', text: t(language, 'help.solved') }] };
  const steps = articleFor(language, topicOf[flow.problem!]).steps;
  const tried = [...flow.tried, steps[flow.step]!];
  const next = { ...flow, step: flow.step + 1, tried };
  if (next.step < steps.length - 1) return { replies: [stepCard(language, next)], flow: next };
  // The last item of every guided article says what to do when nothing helped: that is the contact offer.
  return { replies: [{ kind: 'card', card: contactCard(language, flow.flowId, t(language, 'help.lastStep.title'), steps[steps.length - 1]!) }], flow: next };
}

/** "Contact my fleet administrator", from a button of the guided help or typed. */
export async function contactAdministrator(
  db: Db,
  actor: Actor,
  language: Language,
  request: { requestKey: string; flow?: HelpFlow },
): Promise<Reply> {
  const result = await escalateToAdministrators(db, actor, {
    requestKey: request.requestKey,
    topic: request.flow?.problem ?? 'general',
    tried: request.flow?.tried ?? [],
  });
  if (!result.sent && result.reason === 'no-administrator') return { kind: 'text', text: t(language, 'help.contact.noAdministrator') };
  const administrators = listOf(language, result.administrators);
  return { kind: 'text', text: t(language, result.sent ? 'help.contact.sent' : 'help.contact.alreadySent', { administrators }) };
}

export function staleButton(language: Language): Reply {
  return { kind: 'text', text: t(language, 'help.flow.stale') };
}

function stepCard(language: Language, flow: HelpFlow): Reply {
  const steps = articleFor(language, topicOf[flow.problem!]).steps;
  const answer = (outcome: 'solved' | 'notSolved', key: StringKey): DataButton => ({
    title: t(language, key),
    verb: Verbs.troubleshoot.step,
    data: { flowId: flow.flowId, step: flow.step, outcome },
  });
  const card = renderQuestionCard({
    // The last item is the contact offer, not a step to try.
    title: t(language, 'help.step.title', { n: flow.step + 1, total: steps.length - 1 }),
    text: steps[flow.step]!,
    buttons: [answer('solved', 'help.step.solved'), answer('notSolved', 'help.step.notSolved')],
  });
  return { kind: 'card', card };
}

function contactCard(language: Language, flowId: string, title: string, text: string) {
  return renderQuestionCard({
    title,
    text,
    buttons: [{ title: t(language, 'help.contact.button'), verb: Verbs.troubleshoot.contact, data: { flowId } }],
  });
}

/** The service that matters now: the newest one still going, else the newest. */
function currentService(services: ServiceSummary[]): ServiceSummary | undefined {
  return services.find((service) => service.status !== 'CANCELLED' && service.status !== 'ENDED') ?? services[0];
}

export function formatTime(language: Language, at: Date): string {
  return new Intl.DateTimeFormat(`${language}-BE`, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Brussels' }).format(at);
}

/** Where the service stands, in the person's words; stepsHelp is false when no phone setting can fix it. */
function situationOf(language: Language, service: ServiceSummary): { text: string; stepsHelp: boolean } {
  const porting = service.porting;
  if (service.status !== 'ACTIVE' && porting?.state === 'REFUSED') {
    const reason = refusalText(language, { code: porting.refusalCode, reason: porting.refusalReason }, porting.operator);
    return { text: t(language, 'help.state.portingRefused', { reason }), stepsHelp: false };
  }
  if (service.status !== 'ACTIVE' && porting?.state === 'SCHEDULED' && porting.scheduledAt) {
    return { text: t(language, 'help.state.portingScheduled', { when: formatTime(language, porting.scheduledAt) }), stepsHelp: false };
  }
  if (service.status !== 'ACTIVE' && porting && ['REQUESTED', 'SUBMITTED', 'ACCEPTED'].includes(porting.state)) {
    return { text: t(language, 'help.state.portingPending'), stepsHelp: false };
  }
  switch (service.status) {
    case 'ACTIVE':
      return { text: t(language, 'help.state.active'), stepsHelp: true };
    case 'WAITING_FOR_SIM':
      return { text: t(language, 'help.state.waitingForSim'), stepsHelp: false };
    case 'WAITING_FOR_ESIM_INSTALL':
      return { text: t(language, 'help.state.waitingForEsimInstall'), stepsHelp: false };
    case 'WAITING_FOR_ACTIVATION':
      return { text: t(language, 'help.state.waitingForActivation'), stepsHelp: false };
    case 'READY':
      return { text: t(language, 'help.state.waitingForStart'), stepsHelp: false };
    case 'WAITING_FOR_PORTING':
      return { text: t(language, 'help.state.portingPending'), stepsHelp: false };
    case 'ACTIVATING':
      return {
        text: t(language, 'help.state.activating', { since: formatTime(language, service.activationStartedAt ?? service.createdAt) }),
        stepsHelp: false,
      };
    case 'FAILED':
      return { text: t(language, 'help.state.failed', { reason: service.failureReason ?? t(language, 'help.state.failed.unknown') }), stepsHelp: false };
    case 'CANCELLED':
    case 'ENDED':
      return { text: t(language, 'help.state.ended'), stepsHelp: false };
  }
}

/** The guided help in progress, kept in the conversation. */
// Stored under "help", the key flows in progress were kept under before the feature had its name.
const troubleshootStateSchema = z.object({ flow: helpFlowSchema.optional() });
type TroubleshootState = z.infer<typeof troubleshootStateSchema>;

/** Each article answers the intent of its name: `troubleshoot.<topic>` (the compiler checks the intent exists). */
const knowledgeIntents = topics.map((topic) => [`troubleshoot.${topic}` satisfies IntentName, topic] as const);

/** Keeps the flow the step returned (none ends it) and answers with its replies. */
function advance(turn: FeatureTurn<TroubleshootState>, step: Turn): Reply[] {
  turn.keep(step.flow ? { flow: step.flow } : undefined);
  return step.replies;
}

/** The flow this button belongs to, if it is the one in progress. */
function flowFor(turn: FeatureTurn<TroubleshootState>, flowId: string): HelpFlow | undefined {
  const flow = turn.state?.flow;
  return flow?.flowId === flowId ? flow : undefined;
}

/** "Get help": a knowledge-base answer for each topic (to anyone), the guided help, the fleet administrator. */
export const troubleshootFeature = defineFeature<TroubleshootState>({
  name: 'troubleshoot',
  state: { key: 'help', schema: troubleshootStateSchema },
  refusal: (language, recognition) => welcomeFor(recognition, language),
  publicIntents: Object.fromEntries(knowledgeIntents.map(([intent, topic]) => [intent, async (turn: PublicTurn) => [knowledgeAnswer(turn.language, topic)]])),
  intents: {
    'troubleshoot.general': async (turn) => advance(turn, whatFails(turn.language, randomUUID())),
    contactAdministrator: async (turn) => [
      await contactAdministrator(turn.db, turn.actor, turn.language, { requestKey: turn.channel.messageKey, flow: turn.state?.flow }),
    ],
  },
  actions: {
    [Verbs.welcome.getHelp]: plainAction(async (turn) => advance(turn, whatFails(turn.language, randomUUID()))),
    // Buttons of an earlier or ended flow are stale, and said so.
    [Verbs.troubleshoot.problem]: action(z.unknown(), async (turn, data) => {
      const choice = problemChoiceSchema.safeParse(data);
      if (!choice.success || !flowFor(turn, choice.data.flowId)) return [staleButton(turn.language)];
      return advance(turn, await beginTroubleshooting(turn.db, turn.actor, turn.language, choice.data.flowId, choice.data.problem));
    }),
    [Verbs.troubleshoot.step]: action(z.unknown(), async (turn, data) => {
      const answer = stepAnswerSchema.safeParse(data);
      const flow = answer.success ? flowFor(turn, answer.data.flowId) : undefined;
      if (!answer.success || !flow?.problem || flow.step !== answer.data.step) return [staleButton(turn.language)];
      return advance(turn, afterStep(turn.language, flow, answer.data.outcome));
    }),
    [Verbs.troubleshoot.contact]: action(z.unknown(), async (turn, data) => {
      const request = contactRequestSchema.safeParse(data);
      const flow = request.success ? flowFor(turn, request.data.flowId) : undefined;
      if (!flow) return [staleButton(turn.language)];
      // The flow stays: a second click finds the same key and tells the person it was already sent.
      return [await contactAdministrator(turn.db, turn.actor, turn.language, { requestKey: `help:${flow.flowId}`, flow })];
    }),
  },
});
