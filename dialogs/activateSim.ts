import { z } from 'zod';
import { renderEsimCard } from '../cards/esimCard';
import { renderQuestionCard } from '../cards/questionCard';
import { t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import type { Service } from '../prisma/generated/client';
import { ServiceStatus } from '../prisma/generated/enums';
import { serviceForSim, startActivationAsUser, type SubmitSimResult } from '../services/lifecycle/userActivation';
import { linkTriesOf, submitSimTry, type SimTry } from '../services/people/activationLinks';
import { servicesOfUser } from '../services/lifecycle/serviceLists';
import { esimToInstall } from '../services/simCards/esimProfiles';
import { codeAsName, nameOrCode, productNames, simCardByServiceType } from '../services/catalog/catalog';
import { serviceLabel } from './serviceLabel';
import type { Db } from '../services/platform/db/database';
import { AccessDenied, type Actor } from '../services/people/people';
import { groupedIccid, isSimNumberAttempt, normaliseIccid, simNumberIn } from '../services/simCards/simNumber';
import { action, defineFeature, plainAction, type FeatureTurn } from './feature';
import type { Reply } from './reply';

/**
 * The employee's side of activation in the chat: find the service waiting for them (ask which one if there are
 * several), take its SIM card number or offer its Start, and explain any problem with a number, offering the stock
 * card one typo away. A service without a SIM card is never asked for a number.
 */

/** What the conversation remembers between turns: the service chosen, and the number last suggested. */
export const activateSimFlowSchema = z.object({
  serviceId: z.uuid(),
  suggestion: z.string().regex(/^\d{19,20}$/).optional(),
});
export type ActivateSimFlow = z.infer<typeof activateSimFlowSchema>;

/** What the buttons of this flow carry back; parsed, then re-checked by the services. */
export const chooseServiceDataSchema = z.object({ serviceId: z.uuid(), iccid: z.string().max(40).optional() });
export const suggestionDataSchema = z.object({ serviceId: z.uuid(), iccid: z.string().regex(/^\d{19,20}$/) });
export const startDataSchema = z.object({ serviceId: z.uuid() });

export interface SimTurn {
  replies: Reply[];
  /** The flow to keep for the next turn; undefined ends it. */
  flow: ActivateSimFlow | undefined;
}

export interface SimInput {
  /** The number as typed or pasted, if any. */
  iccid?: string;
  /** The service chosen on a card, or remembered from earlier in the conversation. */
  serviceId?: string;
  /** The one service the conversation is about (the web chat of a personal activation link): never another. */
  tiedTo?: string;
}

const text = (value: string): Reply => ({ kind: 'text', text: value });

export async function activateSim(db: Db, actor: Actor, language: Language, input: SimInput): Promise<SimTurn> {
  try {
    const serviceId = input.tiedTo ?? input.serviceId;
    // A service named on a card is checked before anything else: the card may be forged.
    if (serviceId) return await forService(db, actor, language, await serviceForSim(db, actor, serviceId), input.iccid, input.tiedTo);
    return await findService(db, actor, language, input.iccid);
  } catch (error) {
    if (error instanceof AccessDenied) return { replies: [text(t(language, 'activation.denied'))], flow: undefined };
    throw error;
  }
}

/** "Start activation" pressed in the chat, for a service whose SIM card is known or that has none. */
export async function startActivation(db: Db, actor: Actor, language: Language, serviceId: string): Promise<SimTurn> {
  try {
    const result = await startActivationAsUser(db, actor, serviceId);
    const service = await serviceForSim(db, actor, serviceId);
    // Pressed twice, or after the service moved on: say where it stands instead.
    if (!result.started) return await forService(db, actor, language, service, undefined);
    const [about] = await aboutServices(db, language, [service]);
    const replies = [text(t(language, about!.hasSim ? 'activation.started' : 'activation.started.noSim', { product: about!.product }))];
    if (result.portingPending) replies.push(text(t(language, 'activation.accepted.porting')));
    return { replies, flow: undefined };
  } catch (error) {
    if (error instanceof AccessDenied) return { replies: [text(t(language, 'activation.denied'))], flow: undefined };
    throw error;
  }
}

/** "No, that's not it": the flow stays on the service and waits for the number typed again. */
export function suggestionRejected(language: Language, serviceId: string): SimTurn {
  return { replies: [text(t(language, 'activation.suggest.declined'))], flow: { serviceId } };
}

/**
 * What the service needs from its user now: its SIM card number, their Start, or nothing (where it stands).
 * `tiedTo`: the service of a personal page's chat, whose numbers count against the page's link.
 */
async function forService(db: Db, actor: Actor, language: Language, service: Service, iccid: string | undefined, tiedTo?: string): Promise<SimTurn> {
  const status = service.status;
  if (status === ServiceStatus.WAITING_FOR_SIM) {
    if (iccid === undefined) return { replies: [text(t(language, 'activation.askNumber'))], flow: { serviceId: service.id } };
    return submitted(db, actor, language, service, iccid, tiedTo);
  }
  if (status === ServiceStatus.WAITING_FOR_ESIM_INSTALL) {
    // Asked again, the eSIM itself: only its user is ever given it, and only until it is installed.
    const esim = await esimToInstall(db, actor.id, service.id);
    if (esim) {
      const [label] = await serviceLabels(db, language, [service]);
      const card = renderEsimCard({ language, serviceLabel: label!, activationCode: esim.activationCode, ...(esim.confirmationCode ? { confirmationCode: esim.confirmationCode } : {}) });
      return { replies: [{ kind: 'card', card }], flow: undefined };
    }
  }
  const [about] = await aboutServices(db, language, [service]);
  if (status === ServiceStatus.READY) {
    const offer = startOffer(language, service, about!);
    // Typing the card the administrator entered is the user's go; a service without one takes no number.
    if (iccid === undefined || !service.simCardId) return { replies: [offer], flow: undefined };
    const tried = await countedTry(db, actor, service, iccid, tiedTo);
    if (tried.kind !== 'answered') return { replies: [refusedTry(language, tried)], flow: undefined };
    if (tried.result.ok) return accepted(language, tried.result);
    return { replies: [text(t(language, 'activation.otherSim')), offer], flow: undefined };
  }
  return { replies: [text(stateText(language, status, about!, service.failureReason))], flow: undefined };
}

type ChatTry = SimTry | { kind: 'unusable' };

/**
 * A number typed in the chat, counted as the page counts: in a personal page's chat against its link (a locked link
 * takes not even the right number), elsewhere against the person.
 */
async function countedTry(db: Db, actor: Actor, service: Service, iccid: string, tiedTo: string | undefined): Promise<ChatTry & { per: 'link' | 'person' }> {
  const tries = tiedTo ? await linkTriesOf(db, actor, tiedTo) : { kind: 'person' as const };
  const per = tiedTo ? 'link' : 'person';
  if (!tries) return { kind: 'unusable', per };
  return { ...(await submitSimTry(db, actor, service.id, iccid, tries, { read: service })), per };
}

/** A try not taken, in the page's words for a link. */
function refusedTry(language: Language, tried: Exclude<ChatTry, { kind: 'answered' }>): Reply {
  switch (tried.kind) {
    case 'unusable': return text(t(language, 'activationPage.unusable.body'));
    case 'locked': return text(t(language, 'activationPage.locked.body'));
    case 'too-many': return text(t(language, 'activation.tooManyTries', { minutes: minutesOf(tried.retryAfterMs) }));
  }
}

const minutesOf = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

/**
 * How many wrong numbers remain, said under the page's field and in the chat alike: a link locks for good, a
 * person's count starts again after a while.
 */
export function triesLeftText(language: Language, left: { kind: 'link' | 'person'; triesLeft: number; retryAfterMs?: number }): string {
  if (left.kind === 'link') return left.triesLeft === 1 ? t(language, 'activationPage.triesLeft.last') : t(language, 'activationPage.triesLeft', { count: left.triesLeft });
  if (left.triesLeft === 0) return t(language, 'activation.tooManyTries', { minutes: minutesOf(left.retryAfterMs ?? 0) });
  return left.triesLeft === 1 ? t(language, 'activation.triesLeft.last') : t(language, 'activation.triesLeft', { count: left.triesLeft });
}

/** The SIM card number for a service waiting for it: accepted, or what is wrong with it. */
async function submitted(db: Db, actor: Actor, language: Language, service: Service, iccid: string, tiedTo: string | undefined): Promise<SimTurn> {
  const tried = await countedTry(db, actor, service, iccid, tiedTo);
  if (tried.kind !== 'answered') return { replies: [refusedTry(language, tried)], flow: undefined };
  const { result } = tried;
  if (result.ok) return accepted(language, result);
  const warning = tried.triesLeft === undefined ? '' : ` ${triesLeftText(language, { kind: tried.per, triesLeft: tried.triesLeft, retryAfterMs: tried.retryAfterMs })}`;
  const problem = text(problemText(language, result, iccid) + warning);
  if (result.problem === 'not-waiting') return { replies: [problem], flow: undefined };
  if (!result.suggestion) return { replies: [problem], flow: { serviceId: service.id } };
  const suggested = result.suggestion.iccid;
  const data = { serviceId: service.id, iccid: suggested };
  return {
    replies: [problem, { kind: 'card', card: renderQuestionCard({
      title: '',
      text: t(language, 'activation.suggest', { iccid: groupedIccid(suggested) }),
      buttons: [
        { title: t(language, 'activation.suggest.yes'), verb: Verbs.activateSim.acceptSuggestion, data },
        { title: t(language, 'activation.suggest.no'), verb: Verbs.activateSim.rejectSuggestion, data },
      ],
    }) }],
    flow: { serviceId: service.id, suggestion: suggested },
  };
}

function accepted(language: Language, result: Extract<SubmitSimResult, { ok: true }>): SimTurn {
  const iccid = groupedIccid(result.iccid);
  if (result.alreadyDone) return { replies: [text(t(language, 'activation.alreadyDone', { iccid }))], flow: undefined };
  const replies = [text(t(language, 'activation.accepted', { iccid }))];
  if (result.portingPending) replies.push(text(t(language, 'activation.accepted.porting')));
  return { replies, flow: undefined };
}

/**
 * No service named: the one waiting for the user, or a choice among those waiting. A number typed goes to the
 * service whose SIM card it is, else to the one waiting for a number; when none is, the user hears so, and where
 * their services stand, rather than what some other service's state is.
 */
async function findService(db: Db, actor: Actor, language: Language, iccid: string | undefined): Promise<SimTurn> {
  // One read of the person's services answers all three questions: which waits for a number, which for Start, whose
  // SIM card this is. It is the hot path of every number typed in the chat.
  const mine = await servicesOfUser(db, actor);
  const forSim = mine.filter((service) => service.status === ServiceStatus.WAITING_FOR_SIM);
  const forStart = mine.filter((service) => service.status === ServiceStatus.READY);
  if (iccid === undefined) {
    const forInstall = mine.filter((service) => service.status === ServiceStatus.WAITING_FOR_ESIM_INSTALL);
    const waiting = [...forSim, ...forStart, ...forInstall].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    if (waiting.length === 1) return forService(db, actor, language, waiting[0]!, undefined);
    if (waiting.length > 1) return { replies: [await choiceCard(db, language, 'activation.choose.any', waiting)], flow: undefined };
    return { replies: await whereServicesStand(db, actor, language), flow: undefined };
  }
  const typed = normaliseIccid(iccid);
  const own = mine.find((service) => service.simCard?.iccid === typed);
  if (own) return forService(db, actor, language, own, iccid);
  if (forSim.length === 1) return forService(db, actor, language, forSim[0]!, iccid);
  if (forSim.length > 1) return { replies: [await choiceCard(db, language, 'activation.choose', forSim, iccid)], flow: undefined };
  return { replies: [text(t(language, 'activation.notYourSim')), ...(await whereServicesStand(db, actor, language))], flow: undefined };
}

/** Which service: a SIM card number for those waiting for one (carrying the number typed, if any), Start for the others. */
async function choiceCard(db: Db, language: Language, question: StringKey, services: Service[], iccid?: string): Promise<Reply> {
  const labels = await serviceLabels(db, language, services);
  const date = new Intl.DateTimeFormat(`${language}-BE`, { dateStyle: 'medium', timeZone: 'Europe/Brussels' });
  return { kind: 'card', card: renderQuestionCard({
    title: '',
    text: t(language, question),
    buttons: services.map((service, i) => {
      // Two services of one product read apart by their type and number.
      const vars = { product: labels[i]!, date: date.format(service.createdAt) };
      return service.status === ServiceStatus.READY
        ? { title: t(language, 'activation.choose.start', vars), verb: Verbs.activateSim.start, data: { serviceId: service.id } }
        : {
          title: t(language, 'activation.choose.option', vars),
          verb: Verbs.activateSim.chooseService,
          data: { serviceId: service.id, ...(iccid ? { iccid: normaliseIccid(iccid) } : {}) },
        };
    }),
  }) };
}

/** The Start button for a service whose SIM card the administrator entered, or that has none. */
function startOffer(language: Language, service: Service, about: ServiceWords): Reply {
  return { kind: 'card', card: renderQuestionCard({
    title: '',
    text: t(language, about.hasSim ? 'activation.state.READY' : 'activation.state.READY.noSim', { product: about.product }),
    buttons: [{ title: t(language, 'activation.start'), verb: Verbs.activateSim.start, data: { serviceId: service.id } }],
  }) };
}

/** Where each of the person's current services stands; a service waiting for their Start comes with its button. */
async function whereServicesStand(db: Db, actor: Actor, language: Language): Promise<Reply[]> {
  const services = (await servicesOfUser(db, actor)).filter((service) => isShownState(service.status) || service.status === ServiceStatus.READY);
  if (services.length === 0) return [text(t(language, 'activation.none'))];
  const about = await aboutServices(db, language, services);
  return services.map((service, i) => {
    const status = service.status;
    return isShownState(status) ? text(stateText(language, status, about[i]!, service.failureReason)) : startOffer(language, service, about[i]!);
  });
}

/** How the messages name a service, and whether it has a SIM card to speak of. */
export interface ServiceWords {
  product: string;
  hasSim: boolean;
}

async function aboutServices(db: Db, language: Language, services: Service[]): Promise<ServiceWords[]> {
  const [products, simCards] = await Promise.all([
    productNames(db, services.map((service) => service.productTypeCode)),
    simCardByServiceType(db, services.map((service) => service.serviceTypeCode)),
  ]);
  return services.map((service) => ({
    product: products.get(service.productTypeCode)?.[language] ?? service.productTypeCode,
    hasSim: simCards.get(service.serviceTypeCode) ?? true,
  }));
}

/** Each service as lists name it (dialogs/serviceLabel.ts): product, service type, number. */
async function serviceLabels(db: Db, language: Language, services: Service[]): Promise<string[]> {
  const [products, types, numbers] = await Promise.all([
    productNames(db, services.map((service) => service.productTypeCode)),
    db.serviceType.findMany({ where: { code: { in: services.map((service) => service.serviceTypeCode) } }, select: { code: true, name: true, translations: true } }),
    db.service.findMany({
      where: { id: { in: services.map((service) => service.id) } },
      select: { id: true, mobileNumber: { select: { e164: true } }, portingRequests: { orderBy: { attempt: 'desc' }, take: 1, select: { e164: true } } },
    }),
  ]);
  return services.map((service) => {
    const numbered = numbers.find((row) => row.id === service.id);
    return serviceLabel(language, {
      product: products.get(service.productTypeCode) ?? codeAsName(service.productTypeCode),
      serviceType: nameOrCode(types.find((type) => type.code === service.serviceTypeCode), service.serviceTypeCode),
      number: numbered?.mobileNumber?.e164 ?? numbered?.portingRequests[0]?.e164 ?? null,
    });
  });
}

/** The states in which the user has nothing to do: only where the service stands is said. */
export type ShownState = Exclude<ServiceStatus, typeof ServiceStatus.WAITING_FOR_SIM | typeof ServiceStatus.READY>;

/** Each state's sentence for a service with a SIM card, and for one without (a UC user), which never mentions one. */
const stateKeys: Record<ShownState, { sim: StringKey; noSim: StringKey }> = {
  [ServiceStatus.WAITING_FOR_ACTIVATION]: { sim: 'activation.state.WAITING_FOR_ACTIVATION', noSim: 'activation.state.WAITING_FOR_ACTIVATION' },
  // Only a service with a SIM has an eSIM.
  [ServiceStatus.WAITING_FOR_ESIM_INSTALL]: { sim: 'activation.state.WAITING_FOR_ESIM_INSTALL', noSim: 'activation.state.WAITING_FOR_ESIM_INSTALL' },
  [ServiceStatus.ACTIVATING]: { sim: 'activation.state.ACTIVATING', noSim: 'activation.state.ACTIVATING.noSim' },
  // Only a line with a SIM card has a mobile number to port.
  [ServiceStatus.WAITING_FOR_PORTING]: { sim: 'activation.state.WAITING_FOR_PORTING', noSim: 'activation.state.WAITING_FOR_PORTING' },
  [ServiceStatus.ACTIVE]: { sim: 'activation.state.ACTIVE', noSim: 'activation.state.ACTIVE.noSim' },
  [ServiceStatus.FAILED]: { sim: 'activation.state.FAILED', noSim: 'activation.state.FAILED.noSim' },
  [ServiceStatus.ENDED]: { sim: 'activation.state.ENDED', noSim: 'activation.state.ENDED' },
  [ServiceStatus.CANCELLED]: { sim: 'activation.state.CANCELLED', noSim: 'activation.state.CANCELLED' },
};

function isShownState(status: ServiceStatus): status is ShownState {
  return Object.hasOwn(stateKeys, status);
}

/** Where a service stands, in the person's language; the activation page says the same. */
export function stateText(language: Language, status: ShownState, about: ServiceWords, failureReason: string | null): string {
  const keys = stateKeys[status];
  return t(language, about.hasSim ? keys.sim : keys.noSim, {
    product: about.product,
    reason: failureReason ?? t(language, 'help.state.failed.unknown'),
  });
}

/** The person-facing sentence for a refused number, in their language. */
export function problemText(language: Language, result: Extract<SubmitSimResult, { ok: false }>, typed: string): string {
  const digits = normaliseIccid(typed);
  switch (result.problem) {
    case 'empty': return t(language, 'activation.iccid.empty');
    case 'not-digits': return t(language, 'activation.iccid.notDigits');
    case 'length': return t(language, 'activation.iccid.length', { count: digits.length });
    case 'prefix': return t(language, 'activation.iccid.prefix', { prefix: digits.slice(0, 2) });
    case 'check-digit': return t(language, 'activation.iccid.checkDigit');
    case 'not-in-stock': return t(language, 'activation.notInStock');
    case 'assigned-elsewhere': return t(language, 'activation.assignedElsewhere');
    case 'not-waiting': return t(language, 'activation.notWaiting');
  }
}

const none = (language: Language): Reply => text(t(language, 'activation.none'));

/** Runs one step of the flow for the person of this turn and keeps what the next step needs. */
async function step(turn: FeatureTurn<ActivateSimFlow>, run: (tiedTo: string | undefined, flow: ActivateSimFlow | undefined) => Promise<SimTurn>): Promise<Reply[]> {
  const next = await run(await turn.channel.tiedServiceId(), turn.state);
  turn.keep(next.flow);
  return next.replies;
}

/** A step that takes a number or a service: the dialog's own. */
const simStep = (turn: FeatureTurn<ActivateSimFlow>, input: (flow: ActivateSimFlow | undefined) => SimInput) =>
  step(turn, (tiedTo, flow) => activateSim(turn.db, turn.actor, turn.language, { ...input(flow), tiedTo }));

/** "Activate my SIM", a SIM card number pasted or typed when asked, and this flow's buttons. */
export const activateSimFeature = defineFeature<ActivateSimFlow>({
  name: 'activateSim',
  state: { key: 'activateSim', schema: activateSimFlowSchema },
  refusal: none,
  denied: (language) => text(t(language, 'activation.denied')),
  intents: {
    activateSim: (turn, match) => simStep(turn, (flow) => ({ iccid: match.entities.iccid, serviceId: flow?.serviceId })),
  },
  // A number typed while the bot waits for one, or a SIM card number pasted on its own.
  typedInput: async (turn, typed) => {
    // While the bot waits for a number, digits answer it ("89321…", "my sim is 8932 1001 … thanks", a short typo);
    // a question with a figure in it ("2 days?") is a question.
    const inText = simNumberIn(typed);
    const onlyDigits = /^[\s\d-]+$/.test(typed) && /\d/.test(typed);
    const pending = turn.state !== undefined && (onlyDigits || inText !== undefined);
    if (!pending && !isSimNumberAttempt(typed)) return undefined;
    return simStep(turn, (flow) => ({ iccid: inText ?? typed, serviceId: flow?.serviceId }));
  },
  actions: {
    [Verbs.welcome.activateSim]: plainAction((turn) => simStep(turn, () => ({}))),
    [Verbs.activateSim.chooseService]: action(chooseServiceDataSchema, (turn, data) => simStep(turn, () => data)),
    [Verbs.activateSim.acceptSuggestion]: action(suggestionDataSchema, (turn, data) => simStep(turn, () => data)),
    [Verbs.activateSim.rejectSuggestion]: action(suggestionDataSchema, (turn, data) => step(turn, async () => suggestionRejected(turn.language, data.serviceId))),
    [Verbs.activateSim.start]: action(startDataSchema, (turn, data) =>
      step(turn, (tiedTo) => startActivation(turn.db, turn.actor, turn.language, tiedTo ?? data.serviceId))),
  },
});
