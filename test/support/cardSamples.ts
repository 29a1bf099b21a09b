import { renderAddServiceActivationCard } from '../../cards/addServiceActivationCard';
import { renderAddServiceBundleCard } from '../../cards/addServiceBundleCard';
import { renderAddServiceChoiceCard } from '../../cards/addServiceChoiceCard';
import { renderAddServiceConfirmCard } from '../../cards/addServiceConfirmCard';
import type { FlowButton, StepHeader } from '../../cards/addServiceParts';
import { renderAddServicePortingCard } from '../../cards/addServicePortingCard';
import { renderAddServiceSimCard } from '../../cards/addServiceSimCard';
import { renderAddServiceSummaryCard } from '../../cards/addServiceSummaryCard';
import { renderAddServiceUserCard } from '../../cards/addServiceUserCard';
import { renderBulkImportProgressCard } from '../../cards/bulkImportProgressCard';
import { renderBulkImportReportCard } from '../../cards/bulkImportReportCard';
import { renderEsimCard } from '../../cards/esimCard';
import { renderNotificationCard } from '../../cards/notificationCard';
import { renderOverviewCard } from '../../cards/overviewCard';
import { renderPortingFields } from '../../dialogs/portingFields';
import { renderPortingFixCard } from '../../cards/portingFixCard';
import { renderPortingIssuesCard } from '../../cards/portingIssuesCard';
import { renderQuestionCard } from '../../cards/questionCard';
import type { AdaptiveCard } from '../../cards/render';
import { renderServiceListCard } from '../../cards/serviceListCard';
import { renderServiceTimelineCard } from '../../cards/serviceTimelineCard';
import { languages, t, textOfKey, type Language } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { renderWaitingServicesCard } from '../../cards/waitingServicesCard';
import { renderWelcomeCard, renderWelcomeGuestCard } from '../../cards/welcomeCard';
import { startReply } from '../../dialogs/bulkImport';
import { addCard, listCard, removeCard } from '../../dialogs/people';
import { serviceLabel } from '../../dialogs/serviceLabel';
import { codeAsName } from '../../services/catalog/catalog';

const mobile = codeAsName('Dstny Mobile');
const smartMobile = codeAsName('Dstny SmartMobile');
// SGP.22's longest activation code (255 characters): the largest QR code and the longest texts an eSIM card carries.
export const longestEsimCode = `LPA:1$rsp-0001.example-operator.be$${'Q7X-'.repeat(55)}`.slice(0, 235) + '$1.3.6.1.4.1.31746$1';

/**
 * Representative data for each template, in one language: what the dialogs put there, with the longest texts a
 * template meets (French tends to be the longest), so that what fits here fits in the bot.
 */
export const templateCases: Record<string, (language: Language) => AdaptiveCard[]> = {
  addServiceUser: (l) => [
    renderAddServiceUserCard({
      ...header(l, '', 'addService.user.title'),
      labels: { query: t(l, 'addService.user.label') },
      placeholder: t(l, 'addService.user.placeholder'),
      values: { query: 'pee' },
      errors: {},
      matches: [
        { title: 'Jan Peeters · jan.peeters@demo.example', verb: Verbs.addService.pickUser, data: { flowId: 'f1', step: 'user', personId: 'p1' } },
        { title: 'Pieter Peeters · pieter.peeters@demo.example', verb: Verbs.addService.pickUser, data: { flowId: 'f1', step: 'user', personId: 'p2' } },
      ],
    }),
    renderAddServiceUserCard({
      ...header(l, '', 'addService.user.title'),
      labels: { query: t(l, 'addService.user.label') },
      placeholder: t(l, 'addService.user.placeholder'),
      values: { query: 'zzz' },
      errors: { query: t(l, 'addService.search.none', { query: 'zzz' }) },
      matches: [],
    }),
    // Nobody matched, and adding the person typed found their address taken: the fields as typed, each with its problem.
    renderAddServiceUserCard({
      ...header(l, '', 'addService.user.title'),
      labels: { query: t(l, 'addService.user.label') },
      placeholder: t(l, 'addService.user.placeholder'),
      values: { query: 'Marie-Christine Vandenberghe-Dubois' },
      errors: { query: t(l, 'addService.search.none', { query: 'Marie-Christine Vandenberghe-Dubois' }) },
      matches: [],
      newUser: {
        title: t(l, 'addService.newUser.title'),
        note: t(l, 'addService.newUser.note'),
        labels: { displayName: t(l, 'people.field.displayName'), email: t(l, 'people.field.email'), language: t(l, 'people.field.language') },
        values: { displayName: 'Marie-Christine Vandenberghe-Dubois', email: 'jan.peeters@demo.example', language: 'xx' },
        errors: {
          displayName: t(l, 'people.error.displayName.tooLong'),
          email: t(l, 'people.error.email.taken', { name: 'Jan Peeters' }),
          language: t(l, 'people.error.language.invalid'),
        },
        languages: languages.map((value) => ({ value, title: t(l, `people.language.${value}`) })),
        button: {
          // The dialog shortens a long name to fit a phone's button.
          title: t(l, 'addService.newUser.button', { name: 'Marie-Christine Vande…' }),
          verb: Verbs.addService.addUser,
          data: { flowId: 'f1', step: 'user' },
          style: 'default',
          inputs: 'auto',
        },
      },
    }),
  ],
  addServiceChoice: (l) => [
    renderAddServiceChoiceCard({
      ...header(l, '5', 'addService.number.title'),
      inputId: 'numberOption',
      label: t(l, 'addService.number.label'),
      choiceStyle: 'expanded',
      value: '',
      choices: [
        { title: t(l, 'addService.number.new'), value: 'NEW' },
        { title: t(l, 'addService.number.port'), value: 'PORT' },
        { title: t(l, 'addService.number.move'), value: 'MOVE' },
      ],
      error: t(l, 'addService.error.chooseNumberOption'),
    }),
  ],
  addServiceBundle: (l) => [
    renderAddServiceBundleCard({
      ...header(l, '3', 'addService.bundle.title'),
      labels: { bundleCode: t(l, 'addService.bundle.label'), optionCodes: t(l, 'addService.bundle.options') },
      values: { bundleCode: 'SM_CONV_40', optionCodes: 'SM_RECORDING' },
      choices: {
        bundleCode: [
          { title: t(l, 'addService.bundle.line', { name: 'Converged 40', data: t(l, 'addService.bundle.data', { gb: 40 }), calls: t(l, 'addService.bundle.unlimitedCalls'), price: '€ 32,00' }), value: 'SM_CONV_40' },
          { title: t(l, 'addService.bundle.line', { name: 'Voice only', data: t(l, 'addService.bundle.noData'), calls: t(l, 'addService.bundle.minutes', { minutes: 300 }), price: '€ 9,00' }), value: 'SM_VOICE' },
        ],
        optionCodes: [{ title: t(l, 'addService.bundle.option', { name: 'Call recording', description: 'Records calls for quality', price: '€ 5,00' }), value: 'SM_RECORDING' }],
      },
      errors: {},
    }),
  ],
  addServiceConfirm: (l) => [
    renderAddServiceConfirmCard({
      ...header(l, '4', 'addService.confirm.title'),
      facts: [
        { title: t(l, 'addService.fact.product'), value: 'Dstny SmartMobile' },
        { title: t(l, 'addService.fact.bundle'), value: 'Converged 40' },
        { title: t(l, 'addService.fact.options'), value: t(l, 'addService.fact.noOptions') },
      ],
      texts: [t(l, 'addService.confirm.question')],
    }),
  ],
  addServicePorting: (l) => [renderAddServicePortingCard({ ...header(l, '5', 'addService.porting.title'), portingFields: portingFields(l) })],
  portingFields: (l) => [renderPortingFixCard({ ...portingFix(l), portingFields: portingFields(l, true) })],
  addServiceSim: (l) => [
    renderAddServiceSimCard({
      ...header(l, '6', 'addService.sim.title'),
      labels: { simOption: t(l, 'addService.sim.label'), iccid: t(l, 'addService.sim.iccid') },
      values: { simOption: 'ADMIN_ENTERS', iccid: '1234' },
      choices: { simOption: [{ title: t(l, 'addService.sim.userEnters'), value: 'USER_ENTERS' }, { title: t(l, 'addService.sim.adminEnters'), value: 'ADMIN_ENTERS' }] },
      errors: { iccid: t(l, 'addService.error.iccid.length', { count: 4 }) },
    }),
  ],
  addServiceActivation: (l) => [
    renderAddServiceActivationCard({
      ...header(l, '8', 'addService.activation.title'),
      labels: { activationMethod: t(l, 'addService.activation.how'), activationTiming: t(l, 'addService.activation.when') },
      values: { activationMethod: 'EMAIL', activationTiming: '' },
      choices: {
        activationMethod: [{ title: t(l, 'addService.activation.email', { user: 'Jan Peeters' }), value: 'EMAIL' }, { title: t(l, 'addService.activation.automatic'), value: 'AUTOMATIC' }],
        activationTiming: [{ title: t(l, 'addService.activation.now'), value: 'NOW' }, { title: t(l, 'addService.activation.later'), value: 'LATER' }],
      },
      errors: { activationTiming: t(l, 'addService.error.chooseTiming') },
    }),
  ],
  addServiceSummary: (l) => [
    renderAddServiceSummaryCard({
      ...header(l, '', 'addService.summary.title'),
      status: t(l, 'addService.summary.status', { status: t(l, 'addService.status.WAITING_FOR_SIM') }),
      statusColor: 'Accent',
      facts: [
        { title: t(l, 'addService.fact.user'), value: 'Jan Peeters' },
        { title: t(l, 'addService.fact.serviceType'), value: 'Converged' },
        { title: t(l, 'addService.fact.number'), value: t(l, 'addService.fact.numberPort', { number: '0470 12 34 56' }) },
        { title: t(l, 'addService.fact.fixedNumber'), value: '02 123 45 67' },
        { title: t(l, 'addService.fact.activation'), value: t(l, 'addService.fact.byEmail') },
      ],
      texts: [t(l, 'addService.summary.explain.waitingForSim', { user: 'Jan Peeters' })],
    }),
  ],
  esim: (l) => [
    renderEsimCard({
      language: l,
      serviceLabel: serviceLabel(l, { product: smartMobile, serviceType: mobile, number: '+32470123456' }),
      activationCode: longestEsimCode,
      confirmationCode: '12345678',
    }),
  ],
  notification: (l) => [
    renderNotificationCard({
      title: t(l, 'notifications.porting.refused.administrator', { number: '0470 12 34 56', user: 'Pieter Janssens' }),
      lines: [t(l, 'porting.refusal.WRONG_CUSTOMER_NUMBER', { operator: 'Proximus' }), t(l, 'notifications.porting.refused.fix')],
      actions: [{ title: t(l, 'welcome.action.portingIssues'), verb: Verbs.welcome.portingIssues }],
    }),
  ],
  overview: (l) => [
    renderOverviewCard({
      title: t(l, 'overview.title'),
      subtitle: t(l, 'overview.subtitle', { organisation: 'Demo Company NV', total: 34 }),
      notice: t(l, 'overview.done.retried'),
      attentionTitle: t(l, 'overview.attention.title'),
      attentionColor: 'Attention',
      attentionNone: t(l, 'overview.attention.none'),
      attention: [
        {
          heading: t(l, 'overview.attention.portingIssue', { count: 1 }),
          hint: '',
          items: [{ text: 'Pieter Janssens · Dstny Mobile', buttons: [{ title: t(l, 'overview.attention.fix'), verb: Verbs.portingIssues.fix, data: { requestId: 'r1' } }] }],
          more: [],
        },
        {
          heading: t(l, 'overview.attention.overdue', { count: 4 }),
          hint: t(l, 'overview.attention.overdueHint'),
          items: ['Jan Peeters', 'Marie Dubois', 'Luc Lemaire'].map((name) => ({
            text: `${name} · Dstny Mobile`,
            buttons: [{ title: t(l, 'overview.attention.lookUp'), verb: Verbs.overview.openService, data: { serviceId: name } }],
          })),
          more: [{ title: t(l, 'overview.attention.all', { count: 4 }), verb: Verbs.overview.list, data: { state: 'overdue' } }],
        },
      ],
      byStateTitle: t(l, 'overview.byState'),
      states: [
        stateButton(l, 'overview.state.waitingForSim', 3),
        stateButton(l, 'overview.state.waitingForActivation', 1),
        stateButton(l, 'overview.state.portingRefused', 1),
        stateButton(l, 'overview.state.active', 27),
      ],
      othersTitle: t(l, 'overview.otherOrganisations'),
      others: [{ title: 'Other Org BV', verb: Verbs.overview.show, data: { organisationId: 'o2' } }],
      actions: [
        { title: t(l, 'overview.action.all'), verb: Verbs.overview.list, data: {} },
        { title: t(l, 'overview.action.export'), verb: Verbs.overview.export, data: {} },
      ],
    }),
  ],
  serviceList: (l) => [
    renderServiceListCard({
      title: t(l, 'overview.list.titleState', { state: t(l, 'overview.state.waitingForSim') }),
      subtitle: 'Demo Company NV',
      stateFilter: { label: t(l, 'overview.filter.state'), value: 'waitingForSim', choices: [{ title: t(l, 'overview.filter.allStates'), value: 'all' }, { title: t(l, 'overview.state.waitingForSim'), value: 'waitingForSim' }], error: '' },
      productFilter: { label: t(l, 'overview.filter.product'), value: 'nope', choices: [{ title: t(l, 'overview.filter.allProducts'), value: 'all' }, { title: 'Dstny Mobile', value: 'DSTNY_MOBILE' }], error: t(l, 'overview.filter.notAChoice') },
      nameFilter: { label: t(l, 'overview.filter.name'), placeholder: t(l, 'overview.filter.namePlaceholder'), value: 'jan', error: '' },
      filterButton: { title: t(l, 'overview.filter.apply'), verb: Verbs.overview.list, data: {} },
      empty: t(l, 'overview.list.empty'),
      showing: t(l, 'overview.list.showing', { from: 1, to: 2, total: 2 }),
      rows: ['Jan Peeters', 'Jana Janssens'].map((name, i) => ({
        heading: t(l, 'service.row', { name, service: serviceLabel(l, { product: mobile, serviceType: mobile, number: `+3247012345${i}` }) }),
        detail: t(l, 'overview.list.detail', { state: t(l, 'overview.state.waitingForSim'), date: '3 mrt. 2025' }),
        button: { title: t(l, 'overview.action.open'), verb: Verbs.overview.openService, data: { serviceId: `s${i}` } },
      })),
      actions: [
        { title: t(l, 'overview.action.next'), verb: Verbs.overview.list, data: { page: 1 } },
        { title: t(l, 'overview.action.back'), verb: Verbs.overview.show, data: {} },
      ],
    }),
  ],
  serviceTimeline: (l) => [serviceTimeline(l)],
  waitingServices: (l) => [waitingServices(l), renderWaitingServicesCard({ ...waitingServicesData(l), rows: [], startable: [], pages: 1, actions: [] })],
  portingIssues: (l) => [
    renderPortingIssuesCard({
      title: t(l, 'porting.issues.title'),
      intro: t(l, 'porting.issues.intro.many', { count: 2, organisation: 'Demo Company NV' }),
      issues: ['Pieter Janssens', 'Sofie Maes'].map((name, i) => ({
        user: t(l, 'service.row', { name, service: serviceLabel(l, { product: mobile, serviceType: mobile, number: '+32470123456' }) }),
        summary: t(l, 'porting.issues.row', { operator: 'Proximus', attempt: 1, date: '12 maart' }),
        reason: t(l, 'porting.refusal.WRONG_CUSTOMER_NUMBER', { operator: 'Proximus' }),
        buttons: [{ title: t(l, 'porting.issues.fix'), verb: Verbs.portingIssues.fix, data: { requestId: `r${i}` } }],
      })),
    }),
  ],
  portingFix: (l) => [renderPortingFixCard(portingFix(l))],
  bulkImportStart: (l) => {
    const reply = startReply(l);
    return reply.kind === 'card' ? [reply.card] : [];
  },
  bulkImportReport: (l) => [
    renderBulkImportReportCard({
      title: t(l, 'bulkImport.report.title', { fileName: 'migratie-vrijdagavond-alle-medewerkers.xlsx' }),
      message: t(l, 'bulkImport.report.startInvalid'),
      counts: t(l, 'bulkImport.report.counts', { valid: '964', total: '1.000' }),
      invalid: t(l, 'bulkImport.report.invalid', { count: 36 }),
      rows: [
        { heading: t(l, 'bulkImport.report.row', { row: 102 }), problems: [t(l, 'bulkImport.report.problem', { column: 'service_type', problem: t(l, 'bulkImport.problem.serviceTypeOfOtherProduct', { value: 'Converged SIM', other: 'Dstny SmartMobile', product: 'Dstny Mobile', expected: 'Mobile, Mobile Internet' }) })] },
        { heading: t(l, 'bulkImport.report.row', { row: 137 }), problems: [t(l, 'bulkImport.report.problem', { column: 'user_email', problem: t(l, 'bulkImport.problem.userMissing') }), t(l, 'bulkImport.report.problem', { column: 'bundle', problem: t(l, 'addService.error.chooseBundle') })] },
      ],
      pages: 4,
      pageText: t(l, 'bulkImport.report.page', { page: 1, pages: 4 }),
      confirmable: true,
      startLabel: t(l, 'bulkImport.report.startLabel'),
      starts: [
        { title: t(l, 'bulkImport.report.start.asInFile'), value: 'AS_IN_FILE' },
        { title: t(l, 'bulkImport.report.start.now'), value: 'NOW' },
        { title: t(l, 'bulkImport.report.start.later'), value: 'LATER' },
        { title: t(l, 'bulkImport.report.start.at'), value: 'AT' },
      ],
      dateLabel: t(l, 'bulkImport.report.dateLabel'),
      timeLabel: t(l, 'bulkImport.report.timeLabel'),
      importId: 'i1',
      confirmKey: 'k1',
      actions: [
        { title: t(l, 'bulkImport.action.confirm', { count: '964' }), verb: Verbs.bulkImport.confirm, to: 0 },
        { title: t(l, 'bulkImport.action.report'), verb: Verbs.bulkImport.report, to: 0 },
        { title: t(l, 'bulkImport.action.next'), verb: Verbs.bulkImport.page, to: 1 },
        { title: t(l, 'bulkImport.action.cancel'), verb: Verbs.bulkImport.cancel, to: 0 },
      ],
    }),
  ],
  bulkImportProgress: (l) => [
    renderBulkImportProgressCard({
      title: t(l, 'bulkImport.progress.title', { fileName: 'migratie-vrijdagavond-alle-medewerkers.xlsx' }),
      count: t(l, 'bulkImport.progress.count', { done: '1.000', total: '1.000' }),
      detail: t(l, 'bulkImport.progress.detail', { created: '964', failed: '36' }),
      done: t(l, 'bulkImport.progress.done', { created: '964', failed: '36' }),
      actions: [{ title: t(l, 'bulkImport.action.waiting'), verb: Verbs.welcome.waitingServices }],
    }),
  ],
  question: (l) => [
    renderQuestionCard({
      title: t(l, 'help.whatFails.title'),
      text: t(l, 'help.whatFails.text'),
      buttons: (['help.problem.calls', 'help.problem.data', 'help.problem.sms', 'help.problem.pin'] as const).map((key) => ({ title: t(l, key), verb: Verbs.troubleshoot.problem, data: { topic: key } })),
    }),
    renderQuestionCard({ title: '', text: t(l, 'activation.suggest', { iccid: '8932 1001 0000 0000 0017' }), buttons: [{ title: t(l, 'activation.suggest.yes'), verb: Verbs.activateSim.acceptSuggestion, data: { iccid: '89321001000000000017' } }] }),
  ],
  welcome: (l) => [
    renderWelcomeCard({
      greeting: t(l, 'welcome.greeting', { name: 'Ann Admin' }),
      organisation: 'Demo Company NV',
      intro: t(l, 'welcome.administrator.intro', { organisation: 'Demo Company NV' }),
      actions: ([
        [Verbs.welcome.addService, 'welcome.action.addService'],
        [Verbs.welcome.waitingServices, 'welcome.action.waitingServices'],
        [Verbs.welcome.portingIssues, 'welcome.action.portingIssues'],
        [Verbs.welcome.overview, 'welcome.action.overview'],
      ] as const).map(([verb, key]) => ({ verb, title: t(l, key) })),
    }),
  ],
  // The web chat's add card; Teams' one, with the people picker, is checked in test/cards/peopleCards.test.ts.
  peopleForm: (l) => [
    addCard(l, {
      teams: false,
      values: { displayName: 'Marie-Hélène Vandenbroucke-Dubois', email: 'marie-helene.vandenbroucke-dubois@demo.example', language: 'fr' },
      errors: { displayName: '', email: t(l, 'people.error.email.taken', { name: 'Marie-Hélène Vandenbroucke' }), language: '', directoryId: '' },
      requestKey: 'k1',
    }),
  ],
  peopleList: (l) => [
    listCard(l),
    listCard(l, { query: 'Jan', text: t(l, 'people.list.found', { query: 'Jan' }), found: [
      { id: 'p1', displayName: 'Jan Peeters', email: 'jan.peeters@demo.example', language: 'nl', aadObjectId: null },
      { id: 'p2', displayName: 'Jan Vandenbroucke-Dubois', email: 'jan.vandenbroucke-dubois@demo.example', language: 'fr', aadObjectId: null },
    ] }),
  ],
  peopleRemove: (l) => {
    const employee = { id: 'p1', displayName: 'Marie-Hélène Vandenbroucke', email: 'marie@demo.example', language: 'fr' as const, aadObjectId: null };
    return [
      removeCard(l, { employee, blocked: true, byState: [{ status: 'WAITING_FOR_PORTING', count: 1 }, { status: 'ACTIVE', count: 2 }, { status: 'ENDED', count: 1 }] }),
      removeCard(l, { employee, blocked: false, byState: [] }),
    ];
  },
  welcomeGuest: (l) => [
    renderWelcomeGuestCard({
      title: t(l, 'welcome.guest.title'),
      intro: t(l, 'welcome.guest.intro'),
      paragraphs: [t(l, 'welcome.guest.employees'), t(l, 'welcome.guest.administrators'), t(l, 'welcome.guest.contact')],
    }),
  ],
};

function header(l: Language, step: string, titleKey: string): StepHeader {
  const ids = { flowId: 'f1', step: 'current' };
  const buttons: FlowButton[] = [
    { title: t(l, 'addService.button.next'), verb: Verbs.addService.next, data: ids, style: 'positive', inputs: 'auto' },
    { title: t(l, 'addService.button.back'), verb: Verbs.addService.back, data: ids, style: 'default', inputs: 'none' },
    { title: t(l, 'addService.button.cancel'), verb: Verbs.addService.cancel, data: ids, style: 'default', inputs: 'none' },
  ];
  return {
    stepLabel: step ? t(l, 'addService.stepOf', { step, total: 8 }) : '',
    title: textOfKey(l, titleKey),
    subtitle: step ? t(l, 'addService.subtitle', { name: 'Jan Peeters' }) : '',
    notes: step === '5' ? [t(l, 'addService.number.reserved', { number: '0470 99 88 77' })] : [],
    buttons,
  };
}

function portingFields(l: Language, asSent = false): Record<string, unknown> {
  return renderPortingFields(l, {
    values: {
      number: '0470 12 34 56',
      donorOperator: 'PROXIMUS',
      holderKind: 'COMPANY',
      holderName: 'Demo Company NV',
      holderVat: asSent ? 'BE0123.456.749' : '',
      lineType: 'SUBSCRIPTION',
      currentSimNumber: '',
      customerNumber: asSent ? 'C-123456' : '',
      wishDate: '',
    },
    problems: asSent
      ? []
      : [
          { code: 'company-without-vat', field: 'holderVat', blocking: true, message: '' },
          { code: 'subscription-customer-missing', field: 'customerNumber', blocking: true, message: '' },
          { code: 'wish-date-too-soon', field: 'wishDate', blocking: false, message: '' },
        ],
    now: new Date('2025-03-12T09:00:00Z'),
  });
}

function portingFix(l: Language) {
  return {
    title: t(l, 'porting.fix.title', { number: '0470 12 34 56' }),
    intro: t(l, 'porting.fix.intro', { user: 'Pieter Janssens' }),
    portingFields: portingFields(l, true),
    refusal: { field: 'customerNumber' as const, text: t(l, 'porting.refusal.WRONG_CUSTOMER_NUMBER', { operator: 'Proximus' }) },
    buttons: [
      { title: t(l, 'porting.fix.resubmit'), verb: Verbs.portingIssues.resubmit, data: { requestId: 'r1' }, inputs: 'auto' as const },
      { title: t(l, 'porting.fix.back'), verb: Verbs.portingIssues.list, data: {}, inputs: 'none' as const },
    ],
  };
}

function stateButton(l: Language, key: string, count: number) {
  return { title: t(l, 'overview.count', { state: textOfKey(l, key), count }), verb: Verbs.overview.list, data: { state: key } };
}

function serviceTimeline(l: Language): AdaptiveCard {
  const at = (iso: string) => new Intl.DateTimeFormat(`${l}-BE`, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Brussels' }).format(new Date(iso));
  return renderServiceTimelineCard({
    title: t(l, 'support.timeline.title', { name: 'Pieter Janssens', product: 'Dstny Mobile' }),
    subtitle: 'Demo Company NV',
    facts: [
      { title: t(l, 'support.fact.status'), value: t(l, 'support.status.WAITING_FOR_SIM') },
      { title: t(l, 'support.fact.number'), value: '0470 12 34 56' },
      { title: t(l, 'support.fact.porting'), value: t(l, 'support.porting.REFUSED') },
      { title: t(l, 'support.fact.refusal'), value: t(l, 'porting.refusal.WRONG_CUSTOMER_NUMBER', { operator: 'Proximus' }) },
    ],
    timelineTitle: t(l, 'support.timelineTitle'),
    events: [
      { at: at('2025-03-10T08:00:00Z'), what: t(l, 'support.event.service_created') },
      { at: at('2025-03-10T08:00:05Z'), what: t(l, 'support.event.activation_email_sent') },
      { at: at('2025-03-10T09:12:00Z'), what: t(l, 'support.event.porting_submitted') },
      { at: at('2025-03-11T10:30:00Z'), what: t(l, 'support.event.porting_refused') },
    ],
    changesTitle: t(l, 'support.changesTitle'),
    changes: [
      { at: at('2025-03-10T08:00:00Z'), what: t(l, 'support.change.line', { who: 'Ann Admin', what: t(l, 'support.change.service.created') }) },
      {
        at: at('2025-03-12T08:00:00Z'),
        what: t(l, 'support.change.lineWithDetail', {
          who: 'Ann Admin',
          what: t(l, 'support.change.porting.resubmitted'),
          detail: t(l, 'support.change.detail', { before: t(l, 'support.change.attempt', { attempt: '1' }), after: t(l, 'support.change.attempt', { attempt: '2' }) }),
        }),
      },
    ],
    buttons: [
      { title: t(l, 'support.action.resend'), verb: Verbs.lookUp.resendEmail, data: { serviceId: 's1', requestKey: 'k1' } },
      { title: t(l, 'support.action.escalate'), verb: Verbs.lookUp.escalate, data: { serviceId: 's1', requestKey: 'k1' } },
    ],
  });
}

function waitingServicesData(l: Language) {
  return {
    title: t(l, 'waiting.title'),
    message: t(l, 'waiting.scheduled', { count: 2, when: 'maandag 17 maart 2025 om 08:00' }),
    empty: t(l, 'waiting.empty'),
    rows: [
      { id: 's1', heading: t(l, 'service.row', { name: 'Marie Dubois', service: serviceLabel(l, { product: mobile, serviceType: mobile, number: '+32468100002' }) }), detail: t(l, 'waiting.row.notStarted', { date: '3 mrt. 2025' }), buttonTitle: t(l, 'waiting.start'), buttonVerb: Verbs.waitingServices.start },
      { id: 's2', heading: t(l, 'service.row', { name: 'Jan Peeters', service: serviceLabel(l, { product: smartMobile, serviceType: mobile, number: null }) }), detail: t(l, 'waiting.row.waitingForSim', { date: '1 mrt. 2025' }), buttonTitle: t(l, 'waiting.resend'), buttonVerb: Verbs.waitingServices.resend },
    ],
    startable: [{ title: 'Marie Dubois · Dstny Mobile', value: 's1' }],
    selectLabel: t(l, 'waiting.select'),
    dateLabel: t(l, 'waiting.schedule.date'),
    timeLabel: t(l, 'waiting.schedule.time'),
    page: 0,
    pages: 2,
    pageText: t(l, 'waiting.page', { page: 1, pages: 2 }),
    requestKey: 'k1',
    cardKey: 'c1',
    listKey: 'l1',
    actions: [
      { title: t(l, 'waiting.startSelected'), verb: Verbs.waitingServices.startSelected, to: 0 },
      { title: t(l, 'waiting.startAll'), verb: Verbs.waitingServices.startAll, to: 0 },
      { title: t(l, 'waiting.schedule'), verb: Verbs.waitingServices.schedule, to: 0 },
      { title: t(l, 'waiting.next'), verb: Verbs.waitingServices.page, to: 1 },
    ],
  };
}

function waitingServices(l: Language): AdaptiveCard {
  return renderWaitingServicesCard(waitingServicesData(l));
}

/** The cards the browser test shows, by name: one of each kind a reviewer should look at. */
export const keyCards = {
  addServiceStep: (l: Language) => templateCases.addServiceSim!(l)[0]!,
  addServicePorting: (l: Language) => templateCases.addServicePorting!(l)[0]!,
  waitingList: waitingServices,
  statusTimeline: serviceTimeline,
  overview: (l: Language) => templateCases.overview!(l)[0]!,
  // The administrator's four buttons: the longest button titles of any card.
  welcomeAdministrator: (l: Language) => templateCases.welcome!(l)[0]!,
};

