import { renderAddServiceActivationCard } from '../../cards/addServiceActivationCard';
import { renderAddServiceBundleCard } from '../../cards/addServiceBundleCard';
import { renderAddServiceChoiceCard } from '../../cards/addServiceChoiceCard';
import { renderAddServiceConfirmCard } from '../../cards/addServiceConfirmCard';
import type { CardChoice, FlowButton, StepHeader } from '../../cards/addServiceParts';
import { renderAddServicePortingCard } from '../../cards/addServicePortingCard';
import { renderAddServiceSimCard } from '../../cards/addServiceSimCard';
import { renderAddServiceSummaryCard, type AddServiceSummaryCardData } from '../../cards/addServiceSummaryCard';
import { renderAddServiceUserCard, type NewUserPart } from '../../cards/addServiceUserCard';
import { emptyPortingForm, portingFormOf, renderPortingFields, type PortingProblem } from '../portingFields';
import type { AdaptiveCard } from '../../cards/render';
import { languages, t, type Language, type StringKey } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { ActivationMethod, ActivationTiming, NumberOption, ServiceStatus } from '../../prisma/generated/enums';
import { findProduct, findServiceType, hintedOptionCodes, type CatalogBundle, type CatalogOption, type CatalogProduct, type CatalogServiceType, type Localised } from '../../services/catalog/catalog';
import { formatBelgianNational } from '../../services/numbers/phoneNumbers';
import type { FixedNumberChoices, MovableNumber } from '../../services/addService/numberChoices';
import { FixedOption, SimOption } from '../../services/addService/orderDraft';
import type { ServiceSummary } from '../../services/addService/summaryCard';
import { Role, type Actor } from '../../services/people/people';
import type { PersonMatch } from '../../services/people/userSearch';
import type { FlowState } from './state';

/**
 * The add-service flow's cards, one function per step (steps.ts says which step shows which). They read nothing:
 * everything they show is read through the domain beforehand and passed in.
 */

/** Messages to show next to fields, by input id, already in the administrator's language. */
export type CardErrors = Record<string, string>;

/** What a step's card is drawn from: the flow, the contract, who it is for, and the last try's errors. */
export interface FlowView {
  language: Language;
  now: Date;
  flow: FlowState;
  catalog: CatalogProduct[];
  /** The person the service is for; empty before one is chosen. */
  userName: string;
  header: StepHeader;
  errors: CardErrors;
  portingProblems: PortingProblem[];
  matches: PersonMatch[];
  /** A search found nobody: the new person's fields as typed, and what is wrong with them. */
  newUser?: NewUserForm;
}

export type NewUserForm = Pick<NewUserPart, 'values' | 'errors'>;

/** What a step's header says, from the steps table and what was read for it. */
export interface HeaderFacts {
  /** The portal's step the card belongs to ("Step 5 of 8"), null for the cards before and after them. */
  portal: number | null;
  total: number;
  title: StringKey;
  userName: string;
  /** The new number reserved for this flow, when the card notes it. */
  reservedNumber: string | null;
}

export function stepHeader(language: Language, flow: FlowState, facts: HeaderFacts): StepHeader {
  return {
    stepLabel: facts.portal ? t(language, 'addService.stepOf', { step: String(facts.portal), total: String(facts.total) }) : '',
    title: t(language, facts.title),
    subtitle: facts.userName ? t(language, 'addService.subtitle', { name: facts.userName }) : '',
    notes: facts.reservedNumber ? [t(language, 'addService.number.reserved', { number: national(facts.reservedNumber) })] : [],
    buttons: [button(flow, Verbs.addService.next, t(language, 'addService.button.next'), 'positive'), backButton(language, flow), cancelButton(language, flow)],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The cards of the steps

export function userCard(view: FlowView): AdaptiveCard {
  const { flow, language } = view;
  return renderAddServiceUserCard({
    ...view.header,
    labels: { query: t(language, 'addService.user.label') },
    placeholder: t(language, 'addService.user.placeholder'),
    values: { query: flow.search ?? '' },
    errors: { query: view.errors.query },
    matches: view.matches.map((person) => ({
      title: `${person.displayName} (${person.email})`,
      verb: Verbs.addService.pickUser,
      data: { flowId: flow.flowId, step: 'user', personId: person.id },
    })),
    newUser: view.newUser && newUserPart(language, flow, view.newUser),
    buttons: [button(flow, Verbs.addService.search, t(language, 'addService.button.search'), 'positive'), cancelButton(language, flow)],
  });
}

/** "Add Nora New as a new user": the fields of the people feature's add card, in the flow's card. */
function newUserPart(language: Language, flow: FlowState, form: NewUserForm): NewUserPart {
  return {
    title: t(language, 'addService.newUser.title'),
    note: t(language, 'addService.newUser.note'),
    labels: { displayName: t(language, 'people.field.displayName'), email: t(language, 'people.field.email'), language: t(language, 'people.field.language') },
    ...form,
    languages: languages.map((value) => ({ value, title: t(language, `people.language.${value}`) })),
    button: button(flow, Verbs.addService.addUser, t(language, 'addService.newUser.button', { name: shortened(flow.search?.trim() ?? '', BUTTON_NAME_MAX) }), 'default'),
  };
}

/** A phone shows about 48 characters of a button; the longest wording around the name (French) leaves this many. */
const BUTTON_NAME_MAX = 22;

function shortened(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function productCard(view: FlowView): AdaptiveCard {
  const choices = view.catalog.map((p) => ({ title: choiceLine(view.language, p), value: p.code }));
  return choiceCard(view, 'productTypeCode', 'addService.product.label', choices, view.flow.draft.productTypeCode ?? '');
}

export function serviceTypeCard(view: FlowView): AdaptiveCard {
  const { draft } = view.flow;
  const product = findProduct(view.catalog, draft.productTypeCode);
  const choices = (product?.serviceTypes ?? []).map((s) => ({ title: choiceLine(view.language, s), value: s.code }));
  return choiceCard(view, 'serviceTypeCode', 'addService.serviceType.label', choices, draft.serviceTypeCode ?? '');
}

export function bundleCard(view: FlowView): AdaptiveCard {
  const { language } = view;
  const { draft } = view.flow;
  const type = typeOf(view);
  return renderAddServiceBundleCard({
    ...view.header,
    labels: { bundleCode: t(language, 'addService.bundle.label'), optionCodes: t(language, 'addService.bundle.options') },
    values: { bundleCode: draft.bundleCode ?? '', optionCodes: (draft.optionCodes.length > 0 || !type ? draft.optionCodes : hintedOptionCodes(type, view.flow.hint)).join(',') },
    choices: {
      bundleCode: (type?.bundles ?? []).map((bundle) => ({ title: bundleLine(language, bundle, type), value: bundle.code })),
      optionCodes: (type?.options ?? []).map((option) => ({ title: optionLine(language, option), value: option.code })),
    },
    errors: { bundleCode: view.errors.bundleCode },
  });
}

/** Step 4: the order so far, to confirm. */
export function confirmCard(view: FlowView): AdaptiveCard {
  const { flow, language } = view;
  const { draft } = flow;
  return renderAddServiceConfirmCard({
    ...view.header,
    facts: [
      ...orderFacts(language, findProduct(view.catalog, draft.productTypeCode), typeOf(view), draft.bundleCode, draft.optionCodes),
      // Back here from a later step: an eSIM chosen at step 6 is part of the order to confirm.
      ...(typeOf(view)?.hasSim && draft.simOption === SimOption.ESIM ? [{ title: t(language, 'addService.fact.sim'), value: t(language, 'addService.fact.esim') }] : []),
    ],
    texts: [t(language, 'addService.confirm.question')],
    buttons: [button(flow, Verbs.addService.next, t(language, 'addService.button.confirm'), 'positive'), backButton(language, flow), cancelButton(language, flow)],
  });
}

export function numberCard(view: FlowView): AdaptiveCard {
  const tr = (key: StringKey) => t(view.language, key);
  const { draft } = view.flow;
  const choices = [
    { title: tr('addService.number.new'), value: NumberOption.NEW },
    { title: tr('addService.number.port'), value: NumberOption.PORT },
    { title: tr('addService.number.move'), value: NumberOption.MOVE },
  ];
  // The number the request named, else a new one for a data SIM; the administrator still confirms.
  return choiceCard(view, 'numberOption', 'addService.number.label', choices, draft.numberOption ?? view.flow.hint?.numberOption ?? (typeOf(view)?.dataOnly ? NumberOption.NEW : ''));
}

export function portingCard(view: FlowView): AdaptiveCard {
  const { flow } = view;
  return renderAddServicePortingCard({
    ...view.header,
    portingFields: renderPortingFields(view.language, {
      values: flow.porting ?? (flow.draft.porting ? portingFormOf(flow.draft.porting) : emptyPortingForm),
      problems: view.portingProblems,
      now: view.now,
    }),
  });
}

/** The active services whose number can move here. */
export function moveCard(view: FlowView, movable: MovableNumber[]): AdaptiveCard {
  if (movable.length === 0) return dead(view, t(view.language, 'addService.move.none'));
  const choices = movable.map((m) => ({ title: `${m.user.displayName}: ${national(m.e164)}`, value: m.serviceId }));
  return choiceCard(view, 'fromServiceId', 'addService.move.label', choices, view.flow.draft.moveFromServiceId ?? '', true);
}

/** The chosen number to move, if it still can. */
export function moveConfirmCard(view: FlowView, from: MovableNumber | undefined): AdaptiveCard {
  const { language } = view;
  if (!from) return dead(view, t(language, 'addService.error.moveUnavailable'));
  const text = t(language, 'addService.moveConfirm.text', { number: national(from.e164), from: from.user.displayName, to: view.userName });
  return question(view, text, t(language, 'addService.button.confirm'));
}

/** Step 6: a physical SIM card whose number the user or the administrator enters, or an eSIM, with the stock left. */
export function simCard(view: FlowView, esimsLeft: number): AdaptiveCard {
  const { language } = view;
  const tr = (key: StringKey, vars?: Record<string, string>) => t(language, key, vars);
  const { draft, hint } = view.flow;
  // "with an eSIM" in the request preselects it, while there is one to give.
  const suggested = hint?.simOption === SimOption.ESIM && esimsLeft === 0 ? undefined : hint?.simOption;
  return renderAddServiceSimCard({
    ...view.header,
    labels: { simOption: tr('addService.sim.label'), iccid: tr('addService.sim.iccid') },
    values: { simOption: draft.simOption ?? suggested ?? '', iccid: draft.iccid ?? '' },
    choices: {
      simOption: [
        { title: tr('addService.sim.userEnters'), value: SimOption.USER_ENTERS },
        { title: tr('addService.sim.adminEnters'), value: SimOption.ADMIN_ENTERS },
        {
          title: esimsLeft > 0 ? tr('addService.sim.esim', { count: new Intl.NumberFormat(`${language}-BE`).format(esimsLeft) }) : tr('addService.sim.esimNone'),
          value: SimOption.ESIM,
        },
      ],
    },
    errors: { simOption: view.errors.simOption, iccid: view.errors.iccid },
  });
}

export function fixedNumberCard(view: FlowView): AdaptiveCard {
  const tr = (key: StringKey) => t(view.language, key);
  const choices = [
    { title: tr('addService.fixedNumber.free'), value: FixedOption.FREE },
    { title: tr('addService.fixedNumber.inUse'), value: FixedOption.IN_USE },
  ];
  return choiceCard(view, 'fixedOption', 'addService.fixedNumber.label', choices, view.flow.draft.fixedOption ?? '');
}

/** The free fixed numbers, or those in use by colleagues, as chosen on the card before. */
export function fixedPickCard(view: FlowView, choices: FixedNumberChoices): AdaptiveCard {
  const { draft } = view.flow;
  const inUse = draft.fixedOption === FixedOption.IN_USE;
  const offered = inUse
    ? choices.inUse.map((n) => ({ title: `${national(n.e164)}: ${n.user.displayName}`, value: n.id }))
    : choices.free.map((n) => ({ title: national(n.e164), value: n.id }));
  if (offered.length === 0) return dead(view, t(view.language, inUse ? 'addService.fixedPick.noneInUse' : 'addService.fixedPick.noneFree'));
  return choiceCard(view, 'fixedNumberId', inUse ? 'addService.fixedPick.labelInUse' : 'addService.fixedPick.labelFree', offered, draft.fixedNumberId ?? '', true);
}

/** The colleague's fixed number chosen to take over, if it still can be. */
export function fixedConfirmCard(view: FlowView, taken: FixedNumberChoices['inUse'][number] | undefined): AdaptiveCard {
  const { language } = view;
  if (!taken) return dead(view, t(language, 'addService.error.fixedNumberGone'));
  const text = t(language, 'addService.fixedConfirm.text', { number: national(taken.e164), holder: taken.user.displayName, to: view.userName });
  return question(view, text, t(language, 'addService.fixedConfirm.button'));
}

/** Step 8, with Save; automatic activation is offered only when `automatic` (the domain's rule). */
export function activationCard(view: FlowView, automatic: boolean): AdaptiveCard {
  const { flow, language } = view;
  const { draft } = flow;
  const tr = (key: StringKey, vars?: Record<string, string>) => t(language, key, vars);
  return renderAddServiceActivationCard({
    ...view.header,
    labels: { activationMethod: tr('addService.activation.how'), activationTiming: tr('addService.activation.when') },
    values: {
      activationMethod: draft.activationMethod === ActivationMethod.AUTOMATIC && !automatic ? '' : draft.activationMethod ?? '',
      activationTiming: draft.activationTiming ?? '',
    },
    choices: {
      activationMethod: [
        { title: tr('addService.activation.email', { user: view.userName }), value: ActivationMethod.EMAIL },
        ...(automatic ? [{ title: tr('addService.activation.automatic'), value: ActivationMethod.AUTOMATIC }] : []),
      ],
      activationTiming: [
        { title: tr('addService.activation.now'), value: ActivationTiming.NOW },
        { title: tr('addService.activation.later'), value: ActivationTiming.LATER },
      ],
    },
    errors: { activationMethod: view.errors.activationMethod, activationTiming: view.errors.activationTiming },
    notes: [...view.header.notes, ...(automatic ? [] : [tr('addService.activation.automaticUnavailable')])],
    buttons: [button(flow, Verbs.addService.save, tr('addService.button.save'), 'positive'), backButton(language, flow), cancelButton(language, flow)],
  });
}

/** After Save: the saved service's summary; without one, the flow is over. */
export function doneCard(view: FlowView, summary: ServiceSummary | null): AdaptiveCard {
  const { language } = view;
  return summary ? summaryCard(language, summary) : noticeCard(language, t(language, 'addService.title'), t(language, 'addService.staleCard'), true);
}

// ---------------------------------------------------------------------------------------------------------------
// The summary, and the cards outside the steps

/** The saved service as the card that shows its status from now on. */
export function summaryCard(language: Language, summary: ServiceSummary): AdaptiveCard {
  return renderServiceSummary(language, summary, { offerAnother: true });
}

const statusTexts: Record<ServiceStatus, StringKey> = {
  WAITING_FOR_ACTIVATION: 'addService.status.WAITING_FOR_ACTIVATION',
  WAITING_FOR_SIM: 'addService.status.WAITING_FOR_SIM',
  WAITING_FOR_ESIM_INSTALL: 'addService.status.WAITING_FOR_ESIM_INSTALL',
  READY: 'addService.status.READY',
  ACTIVATING: 'addService.status.ACTIVATING',
  WAITING_FOR_PORTING: 'addService.status.WAITING_FOR_PORTING',
  ACTIVE: 'addService.status.ACTIVE',
  FAILED: 'addService.status.FAILED',
  CANCELLED: 'addService.status.CANCELLED',
  ENDED: 'addService.status.ENDED',
};

const statusColors: Record<ServiceStatus, AddServiceSummaryCardData['statusColor']> = {
  WAITING_FOR_ACTIVATION: 'Warning',
  WAITING_FOR_SIM: 'Accent',
  WAITING_FOR_ESIM_INSTALL: 'Accent',
  READY: 'Accent',
  ACTIVATING: 'Accent',
  WAITING_FOR_PORTING: 'Accent',
  ACTIVE: 'Good',
  FAILED: 'Attention',
  CANCELLED: 'Default',
  ENDED: 'Default',
};

const statusExplanations: Partial<Record<ServiceStatus, StringKey>> = {
  WAITING_FOR_ACTIVATION: 'addService.summary.explain.waiting',
  WAITING_FOR_SIM: 'addService.summary.explain.waitingForSim',
  WAITING_FOR_ESIM_INSTALL: 'addService.summary.explain.waitingForEsimInstall',
  READY: 'addService.summary.explain.ready',
  ACTIVATING: 'addService.summary.explain.activating',
  WAITING_FOR_PORTING: 'addService.summary.explain.waitingForPorting',
};

/**
 * The summary card of a service: what was ordered and where it stands. Status updates render it again and replace
 * the card in place (the place is kept with the service: recordSummaryCard).
 */
export function renderServiceSummary(language: Language, summary: ServiceSummary, options: { offerAnother: boolean }): AdaptiveCard {
  const tr = (key: StringKey, vars?: Record<string, string>) => t(language, key, vars);
  const facts = [
    { title: tr('addService.fact.user'), value: summary.user },
    { title: tr('addService.fact.product'), value: `${summary.product[language]}, ${summary.serviceType[language]}` },
    ...(summary.bundle ? [{ title: tr('addService.fact.bundle'), value: summary.bundle[language] }] : []),
    ...(summary.options.length > 0 ? [{ title: tr('addService.fact.options'), value: summary.options.map((option) => option[language]).join(', ') }] : []),
  ];
  const number = numberFact(language, summary);
  if (number) facts.push({ title: tr('addService.fact.number'), value: number });
  if (summary.esim) facts.push({ title: tr('addService.fact.sim'), value: tr('addService.fact.esim') });
  else if (summary.simLastDigits) facts.push({ title: tr('addService.fact.sim'), value: tr('addService.fact.simEntered', { digits: summary.simLastDigits }) });
  if (summary.fixedNumber) facts.push({ title: tr('addService.fact.fixedNumber'), value: national(summary.fixedNumber) });
  facts.push({
    title: tr('addService.fact.activation'),
    value: `${tr(summary.activationMethod === ActivationMethod.EMAIL ? 'addService.fact.byEmail' : 'addService.fact.automatic')}, ${tr(
      summary.activationTiming === ActivationTiming.NOW ? 'addService.fact.now' : 'addService.fact.later',
    )}`,
  });
  const explanation = statusExplanations[summary.status];
  return renderAddServiceSummaryCard({
    stepLabel: '',
    title: tr('addService.summary.title'),
    subtitle: tr('addService.subtitle', { name: summary.user }),
    notes: [],
    status: tr('addService.summary.status', { status: tr(statusTexts[summary.status]) }),
    statusColor: statusColors[summary.status],
    facts,
    texts: explanation ? [tr(explanation, { user: summary.user })] : [],
    buttons: options.offerAnother
      ? [{ title: tr('addService.button.another'), verb: Verbs.addService.start, data: { summaryOf: summary.id }, style: 'default', inputs: 'none' }]
      : [],
  });
}

function numberFact(language: Language, summary: ServiceSummary): string | null {
  switch (summary.numberOption) {
    case NumberOption.NEW:
      return summary.mobileNumber ? t(language, 'addService.fact.numberNew', { number: national(summary.mobileNumber) }) : null;
    case NumberOption.PORT:
      return summary.portingNumber ? t(language, 'addService.fact.numberPort', { number: national(summary.portingNumber) }) : null;
    case NumberOption.MOVE:
      return summary.movedFrom?.e164 ? t(language, 'addService.fact.numberMove', { number: national(summary.movedFrom.e164), from: summary.movedFrom.user }) : null;
    default:
      return null;
  }
}

/** "You have an unfinished service for Jan at step 5 of 8": continue it, or start over. */
export function resumeCard(language: Language, flow: FlowState, facts: { userName: string; portal: number | null; total: number }): AdaptiveCard {
  const text = facts.userName
    ? t(language, 'addService.resume.textFor', { name: facts.userName, step: String(facts.portal ?? 0), total: String(facts.total) })
    : t(language, 'addService.resume.text');
  return renderAddServiceConfirmCard({
    stepLabel: '',
    title: t(language, 'addService.resume.title'),
    subtitle: '',
    notes: [],
    facts: [],
    texts: [text],
    buttons: [
      { title: t(language, 'addService.button.continue'), verb: Verbs.addService.resume, data: { flowId: flow.flowId }, style: 'positive', inputs: 'none' },
      { title: t(language, 'addService.button.startOver'), verb: Verbs.addService.restart, data: { flowId: flow.flowId }, style: 'default', inputs: 'none' },
    ],
  });
}

/** A refusal: who may add services for someone who may not; for an administrator, that nothing was changed. */
export function refusedCard(language: Language, actor: Actor): AdaptiveCard {
  const key = actor.role === Role.ADMINISTRATOR ? 'addService.refused.notAllowed' : 'addService.refused.notAdministrator';
  return noticeCard(language, t(language, 'addService.refused.title'), t(language, key), false);
}

/** A plain message in the flow's place (cancelled, refused, an old card), with a way to start again. */
export function noticeCard(language: Language, title: string, text: string, offerStart: boolean): AdaptiveCard {
  return renderAddServiceConfirmCard({
    stepLabel: '',
    title,
    subtitle: '',
    notes: [],
    facts: [],
    texts: [text],
    buttons: offerStart
      ? [{ title: t(language, 'welcome.action.addService'), verb: Verbs.addService.start, data: {}, style: 'default', inputs: 'none' }]
      : [],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Pieces

/** A step that is one choice. */
function choiceCard(view: FlowView, inputId: string, labelKey: StringKey, choices: CardChoice[], value: string, compact = false): AdaptiveCard {
  return renderAddServiceChoiceCard({
    ...view.header,
    inputId,
    label: t(view.language, labelKey),
    choiceStyle: compact ? 'compact' : 'expanded',
    value,
    choices,
    error: view.errors[inputId] ?? '',
  });
}

/** A change to confirm in words, naming who is concerned. */
function question(view: FlowView, text: string, confirm: string): AdaptiveCard {
  const { language, flow } = view;
  const buttons = [button(flow, Verbs.addService.next, confirm, 'positive'), backButton(language, flow), cancelButton(language, flow)];
  return renderAddServiceConfirmCard({ ...view.header, facts: [], texts: [text], buttons });
}

/** A step with nothing to choose from (no numbers left): the reason, and Back or Cancel. */
function dead(view: FlowView, text: string): AdaptiveCard {
  const { language, flow } = view;
  return renderAddServiceConfirmCard({ ...view.header, facts: [], texts: [text], buttons: [backButton(language, flow), cancelButton(language, flow)] });
}

function typeOf(view: FlowView): CatalogServiceType | undefined {
  return findServiceType(view.catalog, view.flow.draft.serviceTypeCode, view.flow.draft.productTypeCode);
}

function button(flow: FlowState, verb: string, title: string, style: FlowButton['style']): FlowButton {
  return { title, verb, data: { flowId: flow.flowId, step: flow.step }, style, inputs: 'auto' };
}

function backButton(language: Language, flow: FlowState): FlowButton {
  return { ...button(flow, Verbs.addService.back, t(language, 'addService.button.back'), 'default'), inputs: 'none' };
}

function cancelButton(language: Language, flow: FlowState): FlowButton {
  return { ...button(flow, Verbs.addService.cancel, t(language, 'addService.button.cancel'), 'default'), inputs: 'none' };
}

function orderFacts(language: Language, product: CatalogProduct | undefined, type: CatalogServiceType | undefined, bundleCode: string | undefined, optionCodes: string[]) {
  const bundle = type?.bundles.find((candidate) => candidate.code === bundleCode);
  const options = (type?.options ?? []).filter((option) => optionCodes.includes(option.code));
  return [
    { title: t(language, 'addService.fact.product'), value: product?.name[language] ?? '' },
    { title: t(language, 'addService.fact.serviceType'), value: type?.name[language] ?? '' },
    { title: t(language, 'addService.fact.bundle'), value: bundle ? bundleLine(language, bundle, type) : '' },
    { title: t(language, 'addService.fact.options'), value: options.length > 0 ? options.map((option) => optionLine(language, option)).join('; ') : t(language, 'addService.fact.noOptions') },
  ];
}

function choiceLine(language: Language, item: { name: Localised; description: Localised }): string {
  return t(language, 'addService.choice.line', { name: item.name[language], description: item.description[language] });
}

function bundleLine(language: Language, bundle: CatalogBundle, type: CatalogServiceType | undefined): string {
  const data = bundle.dataGb === 0 ? t(language, 'addService.bundle.noData') : t(language, 'addService.bundle.data', { gb: String(bundle.dataGb) });
  const calls = type?.dataOnly
    ? t(language, 'addService.bundle.noCalls')
    : bundle.callMinutes === null
      ? t(language, 'addService.bundle.unlimitedCalls')
      : t(language, 'addService.bundle.minutes', { minutes: String(bundle.callMinutes) });
  return t(language, 'addService.bundle.line', { name: bundle.name[language], data, calls, price: euros(language, bundle.monthlyPriceCents) });
}

function optionLine(language: Language, option: CatalogOption): string {
  return t(language, 'addService.bundle.option', { name: option.name[language], description: option.description[language], price: euros(language, option.monthlyPriceCents) });
}

function euros(language: Language, cents: number): string {
  return new Intl.NumberFormat(`${language}-BE`, { style: 'currency', currency: 'EUR' }).format(cents / 100);
}

function national(e164: string): string {
  return formatBelgianNational(e164);
}
