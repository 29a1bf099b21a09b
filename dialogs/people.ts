import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { renderNotificationCard } from '../cards/notificationCard';
import { renderPeopleFormCard, renderPeopleListCard, renderPeopleRemoveCard, type PeopleButton, type PeopleFormCardData } from '../cards/peopleCards';
import { languages, t, type Language, type StringKey } from '../cards/strings';
import type { AdaptiveCard } from '../cards/render';
import { Verbs } from '../cards/verbs';
import type { Db } from '../services/platform/db/database';
import {
  addEmployee,
  changeEmployee,
  employeeFor,
  employeesNamedIn,
  findEmployees,
  removalPlan,
  removeEmployee,
  type Employee,
  type EmployeeField,
  type EmployeeProblem,
  type ProblemCode,
  type RemovalPlan,
} from '../services/people/peopleAdmin';
import { Role, type Actor } from '../services/people/people';
import { searchQuerySchema } from '../services/people/userSearch';
import { statusLabel } from './lookUp';
import { action, answerInPlace, defineFeature, plainAction, type FeatureTurn, type IntentAnswer } from './feature';
import type { Reply } from './reply';
import { wordsOf } from './understanding/corpus';
import type { IntentMatch } from './understanding/intents';
import { welcomeFor } from './welcome';

/**
 * An administrator manages the employees of their organisation in the chat: adds one (in Teams with the people
 * picker, so that the new person is recognised when they first write), changes one, removes one after seeing what
 * happens to their services. Card data is untrusted: everything is checked again in services/people/peopleAdmin.ts.
 */

/** The form's inputs as they arrive: anything typed is kept, and the domain says what is wrong with it. */
const formInputs = {
  displayName: z.string().max(2000).optional(),
  email: z.string().max(2000).optional(),
  language: z.string().max(100).optional(),
};
export const addSchema = z.object({ requestKey: z.string().min(8).max(100), directoryId: z.string().max(200).optional(), ...formInputs });
export const changeSchema = z.object({ personId: z.uuid(), ...formInputs });
export const personSchema = z.object({ personId: z.uuid() });
export const findSchema = z.object({ query: z.string().max(2000).optional() });

type FormValues = { displayName: string; email: string; language: string };
type FormErrors = PeopleFormCardData['errors'];

/** The picker's fixed choice for someone not in the directory (Teams sends the chosen account's object id otherwise). */
const NOT_IN_DIRECTORY = 'none';

const errorKeys: Record<EmployeeField, Partial<Record<ProblemCode, StringKey>> & { invalid: StringKey }> = {
  displayName: { missing: 'people.error.displayName.missing', tooLong: 'people.error.displayName.tooLong', invalid: 'people.error.displayName.missing' },
  email: { missing: 'people.error.email.missing', tooLong: 'people.error.email.tooLong', invalid: 'people.error.email.invalid', taken: 'people.error.email.taken' },
  language: { invalid: 'people.error.language.invalid' },
  directoryId: { invalid: 'people.error.directoryId.invalid', taken: 'people.error.directoryId.taken' },
};

/** What is wrong with each field of an employee, in words; empty for the fields without a problem. */
export function errorsOf(language: Language, problems: EmployeeProblem[]): FormErrors {
  const errors: FormErrors = { displayName: '', email: '', language: '', directoryId: '' };
  for (const problem of problems) {
    errors[problem.field] = t(language, errorKeys[problem.field][problem.code] ?? errorKeys[problem.field].invalid, { name: problem.takenBy ?? '' });
  }
  return errors;
}

const NO_ERRORS: FormErrors = { displayName: '', email: '', language: '', directoryId: '' };

const button = (title: string, verb: string, data: Record<string, string>, style: PeopleButton['style'] = 'default', inputs: PeopleButton['inputs'] = 'none'): PeopleButton =>
  ({ title, verb, data, style, inputs });

const cardReply = (card: AdaptiveCard): Reply => ({ kind: 'card', card });

/** A form whose action is done becomes what was done, with nothing left to press. */
const doneReply = (text: string): Reply => cardReply(renderNotificationCard({ title: text, lines: [], actions: [] }));

/** The buttons of a form or question, each carrying the card's key: the web chat finds the card pressed by it. */
const keyed = (buttons: PeopleButton[]): PeopleButton[] => {
  const cardKey = randomUUID();
  return buttons.map((one) => ({ ...one, data: { ...one.data, cardKey } }));
};

function formCard(
  language: Language,
  form: { title: string; notes: string[]; picker?: string; values: FormValues; errors: FormErrors; save: PeopleButton },
): AdaptiveCard {
  return renderPeopleFormCard({
    title: form.title,
    notes: form.notes,
    picker: form.picker === undefined ? undefined : { label: t(language, 'people.field.directoryId'), none: t(language, 'people.field.directoryId.none'), value: form.picker },
    labels: { displayName: t(language, 'people.field.displayName'), email: t(language, 'people.field.email'), language: t(language, 'people.field.language') },
    values: form.values,
    errors: form.errors,
    languages: languages.map((value) => ({ value, title: t(language, `people.language.${value}`) })),
    buttons: keyed([form.save, button(t(language, 'people.action.cancel'), Verbs.people.cancel, {})]),
  });
}

/**
 * The add card. In Teams it offers the organisation's directory (the people picker): the account chosen is stored
 * with the person, so that they are recognised when they first write. The web chat has no directory: plain fields.
 */
export function addCard(language: Language, options: { teams: boolean; values?: Partial<FormValues>; directoryId?: string; errors?: FormErrors; requestKey?: string }): AdaptiveCard {
  return formCard(language, {
    title: t(language, 'people.add.title'),
    notes: [t(language, 'people.add.note'), ...(options.teams ? [t(language, 'people.add.note.teams')] : [])],
    picker: options.teams ? (options.directoryId ?? NOT_IN_DIRECTORY) : undefined,
    values: { displayName: '', email: '', language, ...options.values },
    errors: options.errors ?? NO_ERRORS,
    save: button(t(language, 'people.action.save'), Verbs.people.add, { requestKey: options.requestKey ?? randomUUID() }, 'positive', 'auto'),
  });
}

function changeCard(language: Language, employee: Employee, values?: FormValues, errors: FormErrors = NO_ERRORS): AdaptiveCard {
  return formCard(language, {
    title: t(language, 'people.change.title', { name: employee.displayName }),
    notes: [],
    values: values ?? { displayName: employee.displayName, email: employee.email, language: employee.language ?? language },
    errors,
    save: button(t(language, 'people.action.save'), Verbs.people.change, { personId: employee.id }, 'positive', 'auto'),
  });
}

/** The start of managing people, or the employees found for `query`. */
export function listCard(language: Language, options: { query?: string; text?: string; found?: Employee[] } = {}): AdaptiveCard {
  const found = options.found ?? [];
  return renderPeopleListCard({
    title: t(language, 'people.list.title'),
    text: options.text ?? t(language, 'people.list.intro'),
    search: { label: t(language, 'people.search.label'), placeholder: t(language, 'people.search.placeholder'), value: options.query ?? '' },
    people: found.map((employee) => ({
      name: employee.displayName,
      detail: employee.email,
      buttons: [
        button(t(language, 'people.action.change'), Verbs.people.edit, { personId: employee.id }),
        button(t(language, 'people.action.remove'), Verbs.people.askRemove, { personId: employee.id }),
      ],
    })),
    buttons: [
      button(t(language, 'people.action.find'), Verbs.people.find, {}, 'default', 'auto'),
      button(t(language, 'people.action.add'), Verbs.people.startAdd, {}),
    ],
  });
}

/** What the search box found, or what is wrong with what was typed in it. */
export async function findReply(db: Db, actor: Actor, language: Language, query: string | undefined): Promise<Reply> {
  if (query === undefined || query.trim() === '') return cardReply(listCard(language));
  if (!searchQuerySchema.safeParse(query).success) return cardReply(listCard(language, { query: query.slice(0, 200), text: t(language, 'people.list.queryInvalid') }));
  const found = await findEmployees(db, actor, query);
  const key = found.length > 0 ? 'people.list.found' : 'people.list.none';
  return cardReply(listCard(language, { query, found, text: t(language, key, { query: query.trim() }) }));
}

/** Before removing: the person's services by state, and what happens to them; the confirmation only when allowed. */
export async function removeQuestion(db: Db, actor: Actor, language: Language, personId: string): Promise<Reply> {
  const plan = await removalPlan(db, actor, personId);
  return plan ? cardReply(removeCard(language, plan)) : { kind: 'text', text: t(language, 'people.gone') };
}

export function removeCard(language: Language, plan: RemovalPlan): AdaptiveCard {
  const name = plan.employee.displayName;
  const cancel = button(t(language, 'people.action.cancel'), Verbs.people.cancel, {});
  return renderPeopleRemoveCard({
    title: t(language, 'people.remove.title', { name }),
    text: t(language, plan.byState.length > 0 ? 'people.remove.services' : 'people.remove.noServices', { name }),
    lines: plan.byState.map(({ status, count }) => t(language, 'people.remove.line', { status: t(language, statusLabel[status]), count })),
    outcome: t(language, plan.blocked ? 'people.remove.blocked' : 'people.remove.outcome', { name }),
    buttons: keyed(plan.blocked ? [cancel] : [button(t(language, 'people.action.confirmRemove'), Verbs.people.remove, { personId: plan.employee.id }, 'destructive'), cancel]),
  });
}

export async function remove(db: Db, actor: Actor, language: Language, personId: string): Promise<Reply> {
  const result = await removeEmployee(db, actor, personId);
  // A service opened since the question was asked: the question again, now saying why not.
  if (!result.ok) return removeQuestion(db, actor, language, personId);
  return doneReply(t(language, result.already ? 'people.removed.already' : 'people.removed', { name: result.employee.displayName }));
}

const typedValues = (data: z.infer<typeof changeSchema> | z.infer<typeof addSchema>, language: Language): FormValues => ({
  displayName: data.displayName ?? '',
  email: data.email ?? '',
  language: data.language ?? language,
});

/** Saves the add card; what was typed comes back on the card with what is wrong next to each field. */
export async function saveAdd(db: Db, actor: Actor, language: Language, teams: boolean, data: z.infer<typeof addSchema>): Promise<Reply> {
  const values = typedValues(data, language);
  const directoryId = teams && data.directoryId && data.directoryId !== NOT_IN_DIRECTORY ? data.directoryId : undefined;
  const result = await addEmployee(db, actor, { ...values, directoryId }, { requestKey: data.requestKey });
  if (!result.ok) {
    return cardReply(addCard(language, { teams, values, directoryId: data.directoryId, errors: errorsOf(language, result.problems), requestKey: data.requestKey }));
  }
  const { displayName: name, email, aadObjectId } = result.employee;
  if (result.restored) return doneReply(t(language, 'people.restored', { name }));
  return doneReply(t(language, aadObjectId ? 'people.added.account' : 'people.added.email', { name, email }));
}

export async function saveChange(db: Db, actor: Actor, language: Language, data: z.infer<typeof changeSchema>): Promise<Reply> {
  const values = typedValues(data, language);
  const result = await changeEmployee(db, actor, data.personId, values);
  if (!result) return { kind: 'text', text: t(language, 'people.gone') };
  if (!result.ok) {
    const employee = await employeeFor(db, actor, data.personId);
    return employee ? cardReply(changeCard(language, employee, values, errorsOf(language, result.problems))) : { kind: 'text', text: t(language, 'people.gone') };
  }
  const { displayName: name, email, language: spoken } = result.employee;
  if (result.changed.length === 0) return doneReply(t(language, 'people.unchanged', { name }));
  return doneReply(t(language, 'people.changed', { name, email, language: spoken ? t(language, `people.language.${spoken}`) : '' }));
}

export async function editReply(db: Db, actor: Actor, language: Language, personId: string): Promise<Reply> {
  const employee = await employeeFor(db, actor, personId);
  return employee ? cardReply(changeCard(language, employee)) : { kind: 'text', text: t(language, 'people.gone') };
}

/**
 * The name as typed in "add Marie Dubois as a user": the words the intent model did not know (entities.personName,
 * lower case), in the writer's own capitals.
 */
function typedName(match: IntentMatch): string {
  const unknown = new Set(match.entities.personName?.split(' ') ?? []);
  return (match.text.match(/[\p{L}'-]+/gu) ?? []).filter((word) => unknown.has(word.toLowerCase())).join(' ');
}

/** "remove Jan Peeters", "change Jan's email": the one employee the words name, or a choice, or the search card. */
async function named(turn: FeatureTurn<unknown>, match: IntentMatch, one: (personId: string) => Promise<Reply>): Promise<Reply[]> {
  const words = match.entities.email ?? match.entities.personName;
  if (!words) return [cardReply(listCard(turn.language))];
  const found = await employeesNamedIn(turn.db, turn.actor, match.entities.email ?? wordsOf(match.text).join(' '));
  if (found.length === 1) return [await one(found[0]!.id)];
  const query = match.entities.email ?? typedName(match);
  return [cardReply(listCard(turn.language, { query, found, text: t(turn.language, found.length > 0 ? 'people.list.found' : 'people.list.none', { query }) }))];
}

const intentAnswers: Record<'managePeople' | 'addPerson' | 'changePerson' | 'removePerson', IntentAnswer<unknown>> = {
  managePeople: async (turn) => [cardReply(listCard(turn.language))],
  addPerson: async (turn, match) => [cardReply(addCard(turn.language, { teams: turn.channel.teams, values: { displayName: typedName(match), email: match.entities.email ?? '' } }))],
  changePerson: (turn, match) => named(turn, match, (personId) => editReply(turn.db, turn.actor, turn.language, personId)),
  removePerson: (turn, match) => named(turn, match, (personId) => removeQuestion(turn.db, turn.actor, turn.language, personId)),
};

/**
 * A form's answer shown in place of the card pressed: a corrected card does not pile up under the wrong one, and a
 * saved, removed or cancelled one stays as what was done, with no button left that acts again.
 */
const inPlace = (turn: FeatureTurn<unknown>, reply: Reply): Promise<Reply[]> => answerInPlace(turn, [reply]);

export function deniedReply(language: Language): Reply {
  return { kind: 'text', text: t(language, 'people.denied') };
}

/** An administrator's employees: add, change, remove. */
export const peopleFeature = defineFeature({
  name: 'people',
  mayUse: (actor) => actor.role === Role.ADMINISTRATOR,
  refusal: (language, recognition) => (recognition.status === 'known' ? deniedReply(language) : welcomeFor(recognition, language)),
  denied: (language) => deniedReply(language),
  intents: intentAnswers,
  actions: {
    [Verbs.welcome.managePeople]: plainAction(async (turn) => [cardReply(listCard(turn.language))]),
    [Verbs.people.find]: action(findSchema, async (turn, data) => inPlace(turn, await findReply(turn.db, turn.actor, turn.language, data.query))),
    [Verbs.people.startAdd]: plainAction(async (turn) => [cardReply(addCard(turn.language, { teams: turn.channel.teams }))]),
    [Verbs.people.add]: action(addSchema, async (turn, data) =>
      inPlace(turn, await saveAdd(turn.db, turn.actor, turn.language, turn.channel.teams, data))),
    [Verbs.people.edit]: action(personSchema, async (turn, data) => [await editReply(turn.db, turn.actor, turn.language, data.personId)]),
    [Verbs.people.change]: action(changeSchema, async (turn, data) => inPlace(turn, await saveChange(turn.db, turn.actor, turn.language, data))),
    [Verbs.people.askRemove]: action(personSchema, async (turn, data) => [await removeQuestion(turn.db, turn.actor, turn.language, data.personId)]),
    [Verbs.people.remove]: action(personSchema, async (turn, data) => inPlace(turn, await remove(turn.db, turn.actor, turn.language, data.personId))),
    [Verbs.people.cancel]: plainAction(async (turn) => inPlace(turn, doneReply(t(turn.language, 'people.cancelled')))),
  },
});
