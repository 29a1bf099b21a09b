/**
 * The verbs of every card action: Action.Execute's `verb`, and `data.verb` of its Action.Submit fallback.
 * Dotted by card, never carrying parameters (those go in the action's data). The values are stable (cards already
 * posted carry them); the keys are the features' names.
 */
export const Verbs = {
  welcome: {
    addService: 'welcome.addService',
    waitingServices: 'welcome.waitingServices',
    portingIssues: 'welcome.portingIssues',
    activateSim: 'welcome.activateSim',
    getHelp: 'welcome.getHelp',
    lookUpUser: 'welcome.lookUpUser',
    overview: 'welcome.overview',
    managePeople: 'welcome.managePeople',
  },
  overview: {
    /** An organisation's counts card; data: organisationId (none: the actor's own). */
    show: 'overview.show',
    list: 'overview.list',
    openService: 'overview.openService',
    export: 'overview.export',
    /** "Needs you now": a failed activation tried again; data: serviceId, organisationId. */
    retry: 'overview.retry',
    /** "Needs you now": a new activation email for a locked link; data: serviceId, organisationId, requestKey. */
    resendEmail: 'overview.resendEmail',
    /** "Needs you now": a request for help dealt with; data: escalationId, organisationId. */
    markHandled: 'overview.markHandled',
  },
  portingIssues: {
    list: 'portingIssues.list',
    fix: 'portingIssues.fix',
    resubmit: 'portingIssues.resubmit',
  },
  activateSim: {
    chooseService: 'activateSim.chooseService',
    acceptSuggestion: 'activateSim.acceptSuggestion',
    rejectSuggestion: 'activateSim.rejectSuggestion',
    /** "Start activation" of a service whose SIM card is known or that has none; data: serviceId. */
    start: 'activateSim.start',
  },
  addService: {
    /** Start (or, with an unfinished flow, offer to continue it); "Add another service" on the summary. */
    start: 'addService.start',
    search: 'addService.search',
    pickUser: 'addService.pickUser',
    /** Nobody matched the search: adds the person typed; data: flowId, step, and the inputs displayName, email, language. */
    addUser: 'addService.addUser',
    next: 'addService.next',
    back: 'addService.back',
    cancel: 'addService.cancel',
    save: 'addService.save',
    resume: 'addService.resume',
    restart: 'addService.restart',
  },
  waitingServices: {
    start: 'waitingServices.start',
    startSelected: 'waitingServices.startSelected',
    startAll: 'waitingServices.startAll',
    schedule: 'waitingServices.schedule',
    resend: 'waitingServices.resend',
    page: 'waitingServices.page',
  },
  troubleshoot: {
    problem: 'help.problem',
    step: 'help.step',
    contact: 'help.contact',
  },
  lookUp: {
    showPerson: 'support.showPerson',
    resendEmail: 'support.resendEmail',
    escalate: 'support.escalate',
  },
  esimReplacement: {
    /** "Send a new eSIM" on a service's card (administrators): the confirmation; data: serviceId, requestKey. */
    ask: 'esim.askReplace',
    /** Confirmed: the current profile stops and a new one is sent; data: serviceId, requestKey, cardKey. */
    replace: 'esim.replace',
    /** Not now: nothing changes; data: serviceId, cardKey. */
    keep: 'esim.keep',
  },
  bulkImport: {
    /** The intro card with the template buttons. */
    start: 'bulkImport.start',
    /** data: format (csv | xlsx). */
    template: 'bulkImport.template',
    /** data: importId, to (the page). */
    page: 'bulkImport.page',
    /** The report of the invalid rows as a CSV file; data: importId. */
    report: 'bulkImport.report',
    /** data: importId, confirmKey, and the inputs start, date, time. */
    confirm: 'bulkImport.confirm',
    cancel: 'bulkImport.cancel',
  },
  people: {
    /** The search results: data: query (none: the start card). */
    find: 'people.find',
    /** The empty add card. */
    startAdd: 'people.startAdd',
    /** Saves the add card; data: requestKey, and the inputs displayName, email, language, directoryId (Teams). */
    add: 'people.add',
    /** The change card of one employee; data: personId. */
    edit: 'people.edit',
    /** Saves the change card; data: personId, and the inputs displayName, email, language. */
    change: 'people.change',
    /** What removing would do, and the confirmation; data: personId. */
    askRemove: 'people.askRemove',
    /** data: personId. */
    remove: 'people.remove',
    /** Leaves a people card without changing anything. */
    cancel: 'people.cancel',
  },
  conversation: {
    chooseIntent: 'intent.choose',
    setLanguage: 'language.set',
  },
} as const;

export type WelcomeVerb = (typeof Verbs.welcome)[keyof typeof Verbs.welcome];
