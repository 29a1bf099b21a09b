import crypto from 'node:crypto';
import { z } from 'zod';
import { renderOverviewCard, type AttentionGroup } from '../cards/overviewCard';
import type { DataButton } from '../cards/questionCard';
import { renderServiceListCard, type ChoiceFilter } from '../cards/serviceListCard';
import { t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import { resendActivationEmail, retryActivation } from '../services/lifecycle/activation';
import type { Db } from '../services/platform/db/database';
import { markEscalationHandled } from '../services/lifecycle/escalation';
import {
  ATTENTION_SHOWN,
  exportRows,
  listServices,
  listStateSchema,
  overviewOf,
  OVERVIEW_PAGE_SIZE,
  type AttentionItem,
  type AttentionKind,
  type ListState,
  type OverviewOptions,
  type ServiceRow,
} from '../services/fleet/overview';
import { fleetStates, type ServiceState } from '../services/fleet/fleetStates';
import { toCsv } from '../services/fleet/csv';
import { Role, type Actor } from '../services/people/people';
import { serviceCard } from './lookUp';
import { action, defineFeature, plainAction, type FeatureTurn, type OutgoingFile } from './feature';
import type { Reply } from './reply';
import { serviceLabel } from './serviceLabel';
import { welcomeFor } from './welcome';

/**
 * The fleet overview: the counts card with what needs the administrator now and the buttons that unblock it, the
 * paged and filtered lists behind each count, a service's own card, and the CSV export. Card data is untrusted: it
 * is parsed here and every read and action is checked again in services/.
 */

export interface OverviewDeps extends OverviewOptions {
  db: Db;
  /** How long a new activation link stays valid (ACTIVATION_LINK_DAYS). */
  linkDays?: number;
}

const stateLabel: Record<ServiceState | 'overdue', StringKey> = {
  waitingForActivation: 'overview.state.waitingForActivation',
  scheduled: 'overview.state.scheduled',
  waitingForSim: 'overview.state.waitingForSim',
  waitingForEsimInstall: 'overview.state.waitingForEsimInstall',
  waitingForStart: 'overview.state.waitingForStart',
  activating: 'overview.state.activating',
  waitingForPorting: 'overview.state.waitingForPorting',
  portingRefused: 'overview.state.portingRefused',
  failed: 'overview.state.failed',
  active: 'overview.state.active',
  closed: 'overview.state.closed',
  overdue: 'overview.state.overdue',
};

const attentionHeading: Record<AttentionKind, StringKey> = {
  portingIssue: 'overview.attention.portingIssue',
  failed: 'overview.attention.failed',
  notStarted: 'overview.attention.notStarted',
  overdue: 'overview.attention.overdue',
  lockedLink: 'overview.attention.lockedLink',
  esimAwaitsStock: 'overview.attention.esimAwaitsStock',
  escalation: 'overview.attention.escalation',
};

/** What to do about a kind, said under its heading where the heading alone does not say it. */
const attentionHint: Partial<Record<AttentionKind, StringKey>> = {
  overdue: 'overview.attention.overdueHint',
  esimAwaitsStock: 'overview.attention.esimAwaitsStockHint',
};

/** What an unfiltered choice sends back. */
const ALL = 'all';

export const showSchema = z.object({ organisationId: z.string().max(100).optional() });
export const openServiceSchema = z.object({ serviceId: z.uuid() });
export const exportSchema = z.object({ organisationId: z.string().max(100), requestKey: z.string().min(8).max(100) });
/** "Try again" on a failed activation: the service, and the overview to show again. */
export const retrySchema = z.object({ serviceId: z.uuid(), organisationId: z.uuid() });
/** "Send a new activation email": the key makes a double click send one. */
export const resendSchema = retrySchema.extend({ requestKey: z.string().min(8).max(100) });
export const markHandledSchema = z.object({ escalationId: z.uuid(), organisationId: z.uuid() });
/** The list card's data and inputs as they arrive; each filter is checked on its own so that it can say what is wrong. */
export const listDataSchema = z.object({
  organisationId: z.string().max(100),
  state: z.string().max(100).optional(),
  product: z.string().max(100).optional(),
  name: z.string().max(2000).optional(),
  page: z.coerce.number().int().min(0).max(100_000).catch(0),
});

/** The request keys of the exports already sent, kept in the conversation so that a repeated press sends nothing twice. */
export const overviewStateSchema = z.object({ sent: z.array(z.string().max(100)).max(50) }).catch({ sent: [] });
export type OverviewState = z.infer<typeof overviewStateSchema>;

export function deniedReply(language: Language): Reply {
  return { kind: 'text', text: t(language, 'overview.denied') };
}

function listButton(title: string, organisationId: string, state?: ListState): DataButton {
  return { title, verb: Verbs.overview.list, data: state ? { organisationId, state } : { organisationId } };
}

/** The kinds whose whole list is a feature of its own, or the overview's list of that state. */
function moreButton(language: Language, kind: AttentionKind, total: number, organisationId: string): DataButton | undefined {
  const title = t(language, 'overview.attention.all', { count: total });
  switch (kind) {
    case 'portingIssue':
      return { title, verb: Verbs.portingIssues.list, data: {} };
    case 'notStarted':
      return { title, verb: Verbs.welcome.waitingServices, data: {} };
    case 'failed':
    case 'overdue':
      return listButton(title, organisationId, kind);
    default:
      return undefined;
  }
}

/**
 * The button that unblocks an item. They are the administrator's: support acts from the service's own card, whose
 * buttons are those its role has.
 */
function attentionButtons(language: Language, actor: Actor, kind: AttentionKind, item: AttentionItem, organisationId: string): DataButton[] {
  const lookUp = item.serviceId ? [{ title: t(language, 'overview.attention.lookUp'), verb: Verbs.overview.openService, data: { serviceId: item.serviceId } }] : [];
  if (actor.role !== Role.ADMINISTRATOR) return lookUp;
  switch (kind) {
    case 'portingIssue':
      return [{ title: t(language, 'overview.attention.fix'), verb: Verbs.portingIssues.fix, data: { requestId: item.id } }];
    case 'failed':
      return [{ title: t(language, 'overview.attention.retry'), verb: Verbs.overview.retry, data: { serviceId: item.id, organisationId } }];
    case 'notStarted':
      return [{ title: t(language, 'overview.attention.start'), verb: Verbs.waitingServices.start, data: { serviceId: item.id } }];
    case 'overdue':
      return lookUp;
    case 'lockedLink':
      return [{ title: t(language, 'overview.attention.resend'), verb: Verbs.overview.resendEmail, data: { serviceId: item.id, organisationId, requestKey: crypto.randomUUID() } }];
    case 'esimAwaitsStock':
      return [{ title: t(language, 'esimReplacement.admin.button'), verb: Verbs.esimReplacement.ask, data: { serviceId: item.id, requestKey: crypto.randomUUID() } }];
    case 'escalation':
      return [{ title: t(language, 'overview.attention.markHandled'), verb: Verbs.overview.markHandled, data: { escalationId: item.id, organisationId } }];
  }
}

/** What only Dstny can move (an activation running late) does not need the administrator, and support acts on nothing here. */
function needsReader(actor: Actor, attention: ReadonlyArray<{ kind: AttentionKind }>): boolean {
  return actor.role === Role.ADMINISTRATOR && attention.some(({ kind }) => kind !== 'overdue');
}

function itemText(language: Language, item: AttentionItem): string {
  const name = item.userName ?? t(language, 'overview.attention.someone');
  return item.service ? t(language, 'service.row', { name, service: serviceLabel(language, { ...item.service, number: item.service.mobileNumber }) }) : name;
}

/**
 * The counts card of the actor's organisation, or of another one support looks after; `notice` says what the button
 * just pressed did.
 */
export async function overviewReply(deps: OverviewDeps, actor: Actor, language: Language, organisationId = actor.organisationId, notice = ''): Promise<Reply> {
  const overview = await overviewOf(deps.db, actor, organisationId, deps);
  const id = overview.organisation.id;
  const attention: AttentionGroup[] = overview.attention.map(({ kind, total, items }) => {
    const more = total > ATTENTION_SHOWN ? moreButton(language, kind, total, id) : undefined;
    return {
      heading: t(language, attentionHeading[kind], { count: total }),
      hint: attentionHint[kind] ? t(language, attentionHint[kind]) : '',
      items: items.map((item) => ({ text: itemText(language, item), buttons: attentionButtons(language, actor, kind, item, id) })),
      more: more ? [more] : [],
    };
  });
  const states = fleetStates.map((state) =>
    listButton(t(language, 'overview.count', { state: t(language, stateLabel[state]), count: overview.counts[state] }), id, state),
  );
  return {
    kind: 'card',
    card: renderOverviewCard({
      title: t(language, 'overview.title'),
      subtitle: t(language, 'overview.subtitle', { organisation: overview.organisation.name, total: overview.total }),
      notice,
      // "Needs you now", in red, only over something the reader can unblock; the rest is told plainly.
      attentionTitle: t(language, needsReader(actor, overview.attention) ? 'overview.attention.title' : 'overview.attention.watch'),
      attentionColor: needsReader(actor, overview.attention) ? 'Attention' : 'Default',
      attentionNone: t(language, 'overview.attention.none'),
      attention,
      byStateTitle: t(language, 'overview.byState'),
      states,
      othersTitle: t(language, 'overview.otherOrganisations'),
      others: overview.otherOrganisations.map((other) => ({ title: other.name, verb: Verbs.overview.show, data: { organisationId: other.id } })),
      actions: [listButton(t(language, 'overview.action.all'), id), exportButton(language, id)],
    }),
  };
}

/** "Try again": the backend gets the failed activation's order once more; the overview comes back without it. */
export async function retryReply(deps: OverviewDeps, actor: Actor, language: Language, data: z.output<typeof retrySchema>): Promise<Reply> {
  const result = await retryActivation(deps.db, actor, data.serviceId);
  return overviewReply(deps, actor, language, data.organisationId, t(language, result.retried ? 'overview.done.retried' : 'overview.done.notFailed'));
}

/** "Send a new activation email" for a locked link: the old links stop working, the new one starts afresh. */
export async function resendReply(deps: OverviewDeps, actor: Actor, language: Language, data: z.output<typeof resendSchema>): Promise<Reply> {
  const result = await resendActivationEmail(deps.db, actor, data.serviceId, { requestKey: data.requestKey, linkDays: deps.linkDays });
  const notice = !result.sent ? 'overview.done.notWaiting' : result.repeated ? 'overview.done.resentAlready' : 'overview.done.resent';
  return overviewReply(deps, actor, language, data.organisationId, t(language, notice));
}

/** "Mark handled": the request for help leaves the list, and is no longer recalled a working day later. */
export async function markHandledReply(deps: OverviewDeps, actor: Actor, language: Language, data: z.output<typeof markHandledSchema>): Promise<Reply> {
  const result = await markEscalationHandled(deps.db, actor, data.escalationId);
  return overviewReply(deps, actor, language, data.organisationId, t(language, result.already ? 'overview.done.handledAlready' : 'overview.done.handled'));
}

function exportButton(language: Language, organisationId: string): DataButton {
  return { title: t(language, 'overview.action.export'), verb: Verbs.overview.export, data: { organisationId, requestKey: crypto.randomUUID() } };
}

const dateOf = (language: Language) => new Intl.DateTimeFormat(`${language}-BE`, { dateStyle: 'medium', timeZone: 'Europe/Brussels' });

/** A choice filter's value: nothing chosen, a valid choice, or what was sent with the reason it is refused. */
function choiceOf<T extends string>(raw: string | undefined, valid: readonly T[]): { value?: T; error: boolean } {
  if (raw === undefined || raw === '' || raw === ALL) return { error: false };
  return (valid as readonly string[]).includes(raw) ? { value: raw as T, error: false } : { error: true };
}

/**
 * A page of services as the list card's buttons and inputs ask for it. A wrong filter is named next to its field,
 * with everything entered kept, and the list shows what the other filters select.
 */
export async function serviceListReply(deps: OverviewDeps, actor: Actor, language: Language, raw: unknown): Promise<Reply> {
  const parsed = listDataSchema.safeParse(raw ?? {});
  if (!parsed.success) return deniedReply(language);
  const input = parsed.data;
  const state = choiceOf(input.state, listStateSchema.options);
  const nameTooLong = (input.name ?? '').trim().length > 100;
  const name = nameTooLong ? undefined : input.name?.trim() || undefined;
  const filter = { organisationId: input.organisationId, state: state.value, name, page: input.page };
  let list = await listServices(deps.db, actor, { ...filter, product: productCode(input.product) }, deps);
  const product = choiceOf(input.product, list.products.map((entry) => entry.code));
  // A product outside the contract selects nothing: show the list without it, and say so at the field.
  if (product.error) list = await listServices(deps.db, actor, filter, deps);

  const id = list.organisation.id;
  const date = dateOf(language);
  const stateFilter: ChoiceFilter = {
    label: t(language, 'overview.filter.state'),
    value: state.error ? ALL : (state.value ?? ALL),
    choices: [{ title: t(language, 'overview.filter.allStates'), value: ALL }, ...listStateSchema.options.map((value) => ({ title: t(language, stateLabel[value]), value }))],
    error: state.error ? t(language, 'overview.filter.notAChoice') : '',
  };
  const productFilter: ChoiceFilter = {
    label: t(language, 'overview.filter.product'),
    value: product.error ? ALL : (product.value ?? ALL),
    choices: [{ title: t(language, 'overview.filter.allProducts'), value: ALL }, ...list.products.map((entry) => ({ title: entry.name[language], value: entry.code }))],
    error: product.error ? t(language, 'overview.filter.notAChoice') : '',
  };
  const page = (to: number) => ({ organisationId: id, page: to });
  const actions: DataButton[] = [
    ...(list.page > 0 ? [{ title: t(language, 'overview.action.previous'), verb: Verbs.overview.list, data: page(list.page - 1) }] : []),
    ...(list.page < list.pages - 1 ? [{ title: t(language, 'overview.action.next'), verb: Verbs.overview.list, data: page(list.page + 1) }] : []),
    { title: t(language, 'overview.action.back'), verb: Verbs.overview.show, data: { organisationId: id } },
  ];
  return {
    kind: 'card',
    card: renderServiceListCard({
      title: state.value ? t(language, 'overview.list.titleState', { state: t(language, stateLabel[state.value]) }) : t(language, 'overview.list.title'),
      subtitle: list.organisation.name,
      stateFilter,
      productFilter,
      nameFilter: {
        label: t(language, 'overview.filter.name'),
        placeholder: t(language, 'overview.filter.namePlaceholder'),
        value: input.name ?? '',
        error: nameTooLong ? t(language, 'overview.filter.nameTooLong') : '',
      },
      filterButton: { title: t(language, 'overview.filter.apply'), verb: Verbs.overview.list, data: page(0) },
      empty: t(language, 'overview.list.empty'),
      showing: t(language, 'overview.list.showing', {
        from: list.page * OVERVIEW_PAGE_SIZE + 1,
        to: list.page * OVERVIEW_PAGE_SIZE + list.rows.length,
        total: list.total,
      }),
      rows: list.rows.map((row) => ({
        heading: t(language, 'service.row', { name: row.userName, service: serviceLabel(language, { ...row, number: row.mobileNumber }) }),
        detail: t(language, 'overview.list.detail', { state: t(language, stateLabel[row.state]), date: date.format(row.createdAt) }),
        button: { title: t(language, 'overview.action.open'), verb: Verbs.overview.openService, data: { serviceId: row.id } },
      })),
      actions,
    }),
  };
}

/** A product code as the services expect it, or nothing for "all products" and anything that cannot be one. */
function productCode(raw: string | undefined): string | undefined {
  return raw && raw !== ALL && /^[A-Z0-9_]{1,60}$/.test(raw) ? raw : undefined;
}

/** A row's "Open": the service's own card, with the actions its state allows. */
export async function openServiceReply(deps: OverviewDeps, actor: Actor, language: Language, serviceId: string): Promise<Reply> {
  return serviceCard(deps.db, actor, language, serviceId, crypto.randomUUID());
}

export interface ExportFile {
  name: string;
  csv: string;
  organisation: string;
  count: number;
}

/** Cells as a spreadsheet sorts them: local time in Brussels, year first. */
const timestamp = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Brussels' });
const cellOf = (at: Date | null) => (at ? timestamp.format(at) : '');

/** The whole overview as a CSV file, one row per service with its state and dates, headed in the reader's language. */
export async function exportFile(deps: OverviewDeps, actor: Actor, language: Language, organisationId: string, now = new Date()): Promise<ExportFile> {
  const { organisation, rows } = await exportRows(deps.db, actor, organisationId);
  const header = [
    t(language, 'overview.csv.name'),
    t(language, 'overview.csv.email'),
    t(language, 'overview.csv.product'),
    t(language, 'overview.csv.serviceType'),
    t(language, 'overview.csv.state'),
    t(language, 'overview.csv.number'),
    t(language, 'overview.csv.created'),
    t(language, 'overview.csv.scheduledStart'),
    t(language, 'overview.csv.activationStarted'),
    t(language, 'overview.csv.activated'),
    t(language, 'overview.csv.ended'),
  ];
  const record = (row: ServiceRow) => [
    row.userName,
    row.email,
    row.product[language],
    row.serviceType[language],
    t(language, stateLabel[row.state]),
    // A file for spreadsheets and other systems: the number as stored (E.164), not as the cards write it.
    row.mobileNumber ?? '',
    cellOf(row.createdAt),
    cellOf(row.scheduledStartAt),
    cellOf(row.activationStartedAt),
    cellOf(row.activatedAt),
    cellOf(row.endedAt),
  ];
  const slug = organisation.name.normalize('NFD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
  return {
    name: `overview-${slug}-${timestamp.format(now).slice(0, 10)}.csv`,
    csv: toCsv(header, rows.map(record)),
    organisation: organisation.name,
    count: rows.length,
  };
}

/** What the overview's consent card carries: the export asked for, its access checked again when accepted. */
const CONSENT_KIND = 'overview';
const consentContextSchema = exportSchema.extend({ kind: z.literal(CONSENT_KIND) });

const depsOf = (turn: FeatureTurn<OverviewState>): OverviewDeps => ({ db: turn.db, clockSpeed: turn.settings.clockSpeed, linkDays: turn.settings.linkDays });
const sentOf = (turn: FeatureTurn<OverviewState>) => turn.state?.sent ?? [];
const markSent = (turn: FeatureTurn<OverviewState>, requestKey: string) => turn.keep({ sent: [...sentOf(turn), requestKey].slice(-50) });
const text = (language: Language, key: StringKey, vars?: Record<string, string | number>): Reply[] => [{ kind: 'text', text: t(language, key, vars) }];

/** The CSV export as the channel sends it: described on Teams' consent card, presented in the web chat's message. */
async function exportToSend(turn: FeatureTurn<OverviewState>, organisationId: string): Promise<OutgoingFile> {
  const file = await exportFile(depsOf(turn), turn.actor, turn.language, organisationId);
  const counts = { organisation: file.organisation, count: file.count };
  return {
    name: file.name,
    contentType: 'text/csv;charset=utf-8',
    bytes: Buffer.from(file.csv, 'utf8'),
    description: t(turn.language, 'overview.export.description', counts),
    message: t(turn.language, 'overview.export.ready', counts),
  };
}

/** "Overview", "how far are we?", its lists, a service's card, "Needs you now" and the export. */
export const overviewFeature = defineFeature<OverviewState>({
  name: 'overview',
  state: { key: 'overview', schema: overviewStateSchema },
  refusal: (language, recognition) => welcomeFor(recognition, language),
  denied: (language) => deniedReply(language),
  intents: { overview: async (turn) => [await overviewReply(depsOf(turn), turn.actor, turn.language)] },
  actions: {
    [Verbs.welcome.overview]: plainAction(async (turn) => [await overviewReply(depsOf(turn), turn.actor, turn.language)]),
    [Verbs.overview.show]: action(showSchema, async (turn, data) => [await overviewReply(depsOf(turn), turn.actor, turn.language, data.organisationId)]),
    [Verbs.overview.list]: action(z.unknown(), async (turn, data) => [await serviceListReply(depsOf(turn), turn.actor, turn.language, data)]),
    [Verbs.overview.openService]: action(openServiceSchema, async (turn, data) => [await openServiceReply(depsOf(turn), turn.actor, turn.language, data.serviceId)]),
    // "Needs you now": each button's ids are checked again by the service it calls; the overview comes back with what it did.
    [Verbs.overview.retry]: action(retrySchema, async (turn, data) => [await retryReply(depsOf(turn), turn.actor, turn.language, data)], 'audit'),
    [Verbs.overview.resendEmail]: action(resendSchema, async (turn, data) => [await resendReply(depsOf(turn), turn.actor, turn.language, data)], 'audit'),
    [Verbs.overview.markHandled]: action(markHandledSchema, async (turn, data) => [await markHandledReply(depsOf(turn), turn.actor, turn.language, data)], 'audit'),
    // Teams: the consent card now, the file made when accepted. The web chat: the file itself.
    [Verbs.overview.export]: action(exportSchema, async (turn, data) => {
      if (sentOf(turn).includes(data.requestKey)) return text(turn.language, 'overview.export.already');
      await turn.channel.sendFile(await exportToSend(turn, data.organisationId), { kind: CONSENT_KIND, ...data });
      if (turn.channel.teams) return text(turn.language, 'overview.export.consent');
      markSent(turn, data.requestKey);
      return [];
    }),
  },
  fileConsent: {
    kind: CONSENT_KIND,
    // Accepted: the file is made now (with today's data, access checked again), uploaded where Teams says, and shown.
    answer: async (turn, answer) => {
      const request = consentContextSchema.safeParse(answer.context);
      if (!request.success) return [deniedReply(turn.language)];
      if (!answer.accepted) return text(turn.language, 'overview.export.declined');
      if (!answer.canDeliver) return text(turn.language, 'overview.export.failed');
      // Teams retries an invoke it did not see answered in time: the file is not uploaded twice.
      if (sentOf(turn).includes(request.data.requestKey)) return text(turn.language, 'overview.export.already');
      if (!(await answer.deliver(await exportToSend(turn, request.data.organisationId)))) return text(turn.language, 'overview.export.failed');
      markSent(turn, request.data.requestKey);
      return [];
    },
  },
});
