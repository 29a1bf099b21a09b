import { renderAddServiceActivationCard } from '../../cards/addServiceActivationCard';
import { renderAddServiceBundleCard } from '../../cards/addServiceBundleCard';
import { renderAddServiceChoiceCard } from '../../cards/addServiceChoiceCard';
import { renderAddServiceConfirmCard } from '../../cards/addServiceConfirmCard';
import type { CardChoice, FlowButton, StepHeader } from '../../cards/addServiceParts';
import { renderAddServicePortingCard } from '../../cards/addServicePortingCard';
import { renderAddServiceSimCard } from '../../cards/addServiceSimCard';
import { renderAddServiceSummaryCard, type AddServiceSummaryCardData } from '../../cards/addServiceSummaryCard';
import { renderAddServiceUserCard } from '../../cards/addServiceUserCard';
import { emptyPortingForm, portingFormOf, renderPortingFields, type PortingProblem } from '../../cards/portingFields';
import type { AdaptiveCard } from '../../cards/render';
import { t, type Language, type StringKey } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { ActivationMethod, ActivationTiming, NumberOption, ServiceStatus } from '../../prisma/generated/enums';
import { findProduct, findServiceType, type CatalogBundle, type CatalogOption, type CatalogProduct, type CatalogServiceType, type Localised } from '../../services/catalog/catalog';
import type { Db } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { formatBelgianNational } from '../../services/numbers/phoneNumbers';
import {
  automaticActivationAllowed,
  fixedNumberChoices,
  FixedOption,
  movableNumbers,
  serviceSummary,
  SimOption,
  userForService,
  type ServiceSummary,
} from '../../services/addService/addService';
import type { PersonMatch } from '../../services/people/userSearch';
import { portalStepOf, TOTAL_STEPS } from './machine';
import type { FlowState, FlowStep } from './state';

/** Messages to show next to fields, by input id, already in the administrator's language. */
export type CardErrors = Record<string, string>;

/** What a card is drawn from: the flow, the contract, and who looks at it. */
export interface FlowView {
  db: Db;
  actor: Actor;
  language: Language;
  now: Date;
  flow: FlowState;
  catalog: CatalogProduct[];
}

export interface CardExtras {
  errors: CardErrors;
  portingProblems?: PortingProblem[];
  matches?: PersonMatch[];
}

const stepTitles: Record<FlowStep, StringKey> = {
  user: 'addService.user.title',
  product: 'addService.product.title',
  serviceType: 'addService.serviceType.title',
  bundle: 'addService.bundle.title',
  confirm: 'addService.confirm.title',
  number: 'addService.number.title',
  porting: 'addService.porting.title',
  move: 'addService.move.title',
  moveConfirm: 'addService.moveConfirm.title',
  sim: 'addService.sim.title',
  fixedNumber: 'addService.fixedNumber.title',
  fixedPick: 'addService.fixedPick.title',
  fixedConfirm: 'addService.fixedConfirm.title',
  activation: 'addService.activation.title',
  done: 'addService.summary.title',
};

/** The card of the flow's current step, with what was entered and the errors of the last try. */
export async function flowCard(view: FlowView, extras: CardExtras): Promise<AdaptiveCard> {
  const { flow, language, catalog } = view;
  const { draft } = flow;
  const errors = extras.errors;
  const tr = (key: StringKey, vars?: Record<string, string>) => t(language, key, vars);
  const product = findProduct(catalog, draft.productTypeCode);
  const type = findServiceType(catalog, draft.serviceTypeCode, draft.productTypeCode);
  const header = await headerOf(view);
  const choiceCard = (inputId: string, labelKey: StringKey, choices: CardChoice[], value: string, compact = false) =>
    renderAddServiceChoiceCard({ ...header, inputId, label: tr(labelKey), choiceStyle: compact ? 'compact' : 'expanded', value, choices, error: errors[inputId] ?? '' });

  switch (flow.step) {
    case 'user':
      return renderAddServiceUserCard({
        ...header,
        labels: { query: tr('addService.user.label') },
        placeholder: tr('addService.user.placeholder'),
        values: { query: flow.search ?? '' },
        errors: { query: errors.query },
        matches: (extras.matches ?? []).map((person) => ({
          title: `${person.displayName} (${person.email})`,
          verb: Verbs.addService.pickUser,
          data: { flowId: flow.flowId, step: 'user', personId: person.id },
        })),
        buttons: [button(view, Verbs.addService.search, tr('addService.button.search'), 'positive'), cancelButton(view)],
      });
    case 'product':
      return choiceCard('productTypeCode', 'addService.product.label', catalog.map((p) => ({ title: choiceLine(language, p), value: p.code })), draft.productTypeCode ?? '');
    case 'serviceType':
      return choiceCard(
        'serviceTypeCode',
        'addService.serviceType.label',
        (product?.serviceTypes ?? []).map((s) => ({ title: choiceLine(language, s), value: s.code })),
        draft.serviceTypeCode ?? '',
      );
    case 'bundle':
      return renderAddServiceBundleCard({
        ...header,
        labels: { bundleCode: tr('addService.bundle.label'), optionCodes: tr('addService.bundle.options') },
        values: { bundleCode: draft.bundleCode ?? '', optionCodes: draft.optionCodes.join(',') },
        choices: {
          bundleCode: (type?.bundles ?? []).map((bundle) => ({ title: bundleLine(language, bundle, type), value: bundle.code })),
          optionCodes: (type?.options ?? []).map((option) => ({ title: optionLine(language, option), value: option.code })),
        },
        errors: { bundleCode: errors.bundleCode },
      });
    case 'confirm':
      return renderAddServiceConfirmCard({
        ...header,
        facts: orderFacts(language, product, type, draft.bundleCode, draft.optionCodes),
        texts: [tr('addService.confirm.question')],
        buttons: [button(view, Verbs.addService.next, tr('addService.button.confirm'), 'positive'), backButton(view), cancelButton(view)],
      });
    case 'number':
      return choiceCard(
        'numberOption',
        'addService.number.label',
        [
          { title: tr('addService.number.new'), value: NumberOption.NEW },
          { title: tr('addService.number.port'), value: NumberOption.PORT },
          { title: tr('addService.number.move'), value: NumberOption.MOVE },
        ],
        // A data SIM gets a new number unless the administrator says otherwise.
        draft.numberOption ?? (type?.dataOnly ? NumberOption.NEW : ''),
      );
    case 'porting':
      return renderAddServicePortingCard({
        ...header,
        portingFields: renderPortingFields(language, {
          values: flow.porting ?? (draft.porting ? portingFormOf(draft.porting) : emptyPortingForm),
          problems: extras.portingProblems ?? [],
          now: view.now,
        }),
      });
    case 'move': {
      const movable = await movableNumbers(view.db, view.actor);
      if (movable.length === 0) return dead(view, header, tr('addService.move.none'));
      return choiceCard(
        'fromServiceId',
        'addService.move.label',
        movable.map((m) => ({ title: `${m.user.displayName}: ${national(m.e164)}`, value: m.serviceId })),
        draft.moveFromServiceId ?? '',
        true,
      );
    }
    case 'moveConfirm': {
      const from = (await movableNumbers(view.db, view.actor)).find((m) => m.serviceId === draft.moveFromServiceId);
      const to = await userName(view);
      if (!from) return dead(view, header, tr('addService.error.moveUnavailable'));
      return question(view, header, tr('addService.moveConfirm.text', { number: national(from.e164), from: from.user.displayName, to }), tr('addService.button.confirm'));
    }
    case 'sim':
      return renderAddServiceSimCard({
        ...header,
        labels: { simOption: tr('addService.sim.label'), iccid: tr('addService.sim.iccid') },
        values: { simOption: draft.simOption ?? '', iccid: draft.iccid ?? '' },
        choices: {
          simOption: [
            { title: tr('addService.sim.userEnters'), value: SimOption.USER_ENTERS },
            { title: tr('addService.sim.adminEnters'), value: SimOption.ADMIN_ENTERS },
          ],
        },
        errors: { simOption: errors.simOption, iccid: errors.iccid },
      });
    case 'fixedNumber':
      return choiceCard(
        'fixedOption',
        'addService.fixedNumber.label',
        [
          { title: tr('addService.fixedNumber.free'), value: FixedOption.FREE },
          { title: tr('addService.fixedNumber.inUse'), value: FixedOption.IN_USE },
        ],
        draft.fixedOption ?? '',
      );
    case 'fixedPick': {
      const choices = await fixedNumberChoices(view.db, view.actor, view.now);
      const inUse = draft.fixedOption === FixedOption.IN_USE;
      const offered = inUse
        ? choices.inUse.map((n) => ({ title: `${national(n.e164)}: ${n.user.displayName}`, value: n.id }))
        : choices.free.map((n) => ({ title: national(n.e164), value: n.id }));
      if (offered.length === 0) return dead(view, header, tr(inUse ? 'addService.fixedPick.noneInUse' : 'addService.fixedPick.noneFree'));
      return choiceCard('fixedNumberId', inUse ? 'addService.fixedPick.labelInUse' : 'addService.fixedPick.labelFree', offered, draft.fixedNumberId ?? '', true);
    }
    case 'fixedConfirm': {
      const taken = (await fixedNumberChoices(view.db, view.actor, view.now)).inUse.find((n) => n.id === draft.fixedNumberId);
      const to = await userName(view);
      if (!taken) return dead(view, header, tr('addService.error.fixedNumberGone'));
      return question(view, header, tr('addService.fixedConfirm.text', { number: national(taken.e164), holder: taken.user.displayName, to }), tr('addService.fixedConfirm.button'));
    }
    case 'activation': {
      const automatic = type ? automaticActivationAllowed(type, draft) : false;
      const user = await userName(view);
      return renderAddServiceActivationCard({
        ...header,
        labels: { activationMethod: tr('addService.activation.how'), activationTiming: tr('addService.activation.when') },
        values: {
          activationMethod: draft.activationMethod === ActivationMethod.AUTOMATIC && !automatic ? '' : draft.activationMethod ?? '',
          activationTiming: draft.activationTiming ?? '',
        },
        choices: {
          activationMethod: [
            { title: tr('addService.activation.email', { user }), value: ActivationMethod.EMAIL },
            ...(automatic ? [{ title: tr('addService.activation.automatic'), value: ActivationMethod.AUTOMATIC }] : []),
          ],
          activationTiming: [
            { title: tr('addService.activation.now'), value: ActivationTiming.NOW },
            { title: tr('addService.activation.later'), value: ActivationTiming.LATER },
          ],
        },
        errors: { activationMethod: errors.activationMethod, activationTiming: errors.activationTiming },
        notes: [...header.notes, ...(automatic ? [] : [tr('addService.activation.automaticUnavailable')])],
        buttons: [button(view, Verbs.addService.save, tr('addService.button.save'), 'positive'), backButton(view), cancelButton(view)],
      });
    }
    case 'done':
      return flow.savedServiceId ? summaryCard(view, flow.savedServiceId) : noticeCard(language, tr('addService.title'), tr('addService.staleCard'), true);
  }
}

/** The saved service, read fresh, as the card that shows its status from now on. */
export async function summaryCard(view: FlowView, serviceId: string): Promise<AdaptiveCard> {
  const summary = await serviceSummary(view.db, view.actor, serviceId);
  return renderServiceSummary(view.language, summary, { offerAnother: true });
}

const statusTexts: Record<ServiceStatus, StringKey> = {
  WAITING_FOR_ACTIVATION: 'addService.status.WAITING_FOR_ACTIVATION',
  WAITING_FOR_SIM: 'addService.status.WAITING_FOR_SIM',
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
  if (summary.simLastDigits) facts.push({ title: tr('addService.fact.sim'), value: tr('addService.fact.simEntered', { digits: summary.simLastDigits }) });
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
      ? [{ title: tr('addService.button.another'), verb: Verbs.addService.start, data: {}, style: 'default', inputs: 'none' }]
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
export async function resumeCard(view: FlowView): Promise<AdaptiveCard> {
  const { flow, language } = view;
  const step = portalStepOf(flow.step);
  const name = flow.draft.userId ? await userName(view) : '';
  const text = name
    ? t(language, 'addService.resume.textFor', { name, step: String(step ?? 0), total: String(TOTAL_STEPS) })
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

/** A change to confirm in words, naming who is concerned. */
function question(view: FlowView, header: StepHeader, text: string, confirm: string): AdaptiveCard {
  const buttons = [button(view, Verbs.addService.next, confirm, 'positive'), backButton(view), cancelButton(view)];
  return renderAddServiceConfirmCard({ ...header, facts: [], texts: [text], buttons });
}

/** A step with nothing to choose from (no numbers left): the reason, and Back or Cancel. */
function dead(view: FlowView, header: StepHeader, text: string): AdaptiveCard {
  return renderAddServiceConfirmCard({ ...header, facts: [], texts: [text], buttons: [backButton(view), cancelButton(view)] });
}

async function headerOf(view: FlowView): Promise<StepHeader> {
  const { flow, language } = view;
  const step = portalStepOf(flow.step);
  const name = flow.draft.userId ? await userName(view) : '';
  const notes: string[] = [];
  if (flow.step === 'sim' || (flow.step === 'fixedNumber' && flow.draft.numberOption === NumberOption.NEW)) {
    const reserved = flow.draft.reservedNumberId
      ? await view.db.phoneNumber.findFirst({ where: { id: flow.draft.reservedNumberId, organisationId: view.actor.organisationId }, select: { e164: true } })
      : null;
    if (reserved) notes.push(t(language, 'addService.number.reserved', { number: national(reserved.e164) }));
  }
  return {
    stepLabel: step ? t(language, 'addService.stepOf', { step: String(step), total: String(TOTAL_STEPS) }) : '',
    title: t(language, stepTitles[flow.step]),
    subtitle: name ? t(language, 'addService.subtitle', { name }) : '',
    notes,
    buttons: flow.step === 'user' ? [] : [button(view, Verbs.addService.next, t(language, 'addService.button.next'), 'positive'), backButton(view), cancelButton(view)],
  };
}

async function userName(view: FlowView): Promise<string> {
  return view.flow.draft.userId ? (await userForService(view.db, view.actor, view.flow.draft.userId)).displayName : '';
}

function button(view: FlowView, verb: string, title: string, style: FlowButton['style']): FlowButton {
  return { title, verb, data: { flowId: view.flow.flowId, step: view.flow.step }, style, inputs: 'auto' };
}

function backButton(view: FlowView): FlowButton {
  return { ...button(view, Verbs.addService.back, t(view.language, 'addService.button.back'), 'default'), inputs: 'none' };
}

function cancelButton(view: FlowView): FlowButton {
  return { ...button(view, Verbs.addService.cancel, t(view.language, 'addService.button.cancel'), 'default'), inputs: 'none' };
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
