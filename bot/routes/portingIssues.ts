import type { Application } from '@microsoft/teams-ai';
import { t } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { fixDataSchema, openPortingFix, portingIssuesReply, resubmitDataSchema, resubmitPortingFix } from '../../dialogs/portingIssues';
import type { Reply } from '../../dialogs/reply';
import type { Database } from '../../services/platform/db/database';
import { onCardAction, send } from '../replies';
import { factsOf, type TurnFacts } from '../turnFacts';
import type { AppTurnState } from '../turnState';
import type { IntentHandler, IntentName } from './intents';

export interface PortingIssuesRouteDeps {
  db: Database;
  clockSpeed: number;
}

const denied = (facts: TurnFacts): Reply[] => [{ kind: 'text', text: t(facts.language, 'porting.denied') }];

async function list(deps: Pick<PortingIssuesRouteDeps, 'db'>, facts: TurnFacts): Promise<Reply[]> {
  if (facts.recognition.status !== 'known') return denied(facts);
  return [await portingIssuesReply(deps.db.prisma, facts.recognition.actor, facts.language)];
}

/** "porting issues", typed. */
export function intentHandlers(deps: Pick<PortingIssuesRouteDeps, 'db'>): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  return {
    portingIssues: async (context, _state, facts) => {
      for (const reply of await list(deps, facts)) await send(context, reply);
    },
  };
}

/** The welcome button, the list's "Fix" and the fix card's buttons, for Teams and the web chat alike. */
export function registerPortingIssuesRoutes(app: Application<AppTurnState>, deps: PortingIssuesRouteDeps): void {
  onCardAction(app, Verbs.welcome.portingIssues, (context) => list(deps, factsOf(context)));
  onCardAction(app, Verbs.portingIssues.list, (context) => list(deps, factsOf(context)));
  onCardAction(app, Verbs.portingIssues.fix, async (context, _state, data) => {
    const facts = factsOf(context);
    const parsed = fixDataSchema.safeParse(data);
    if (facts.recognition.status !== 'known' || !parsed.success) return denied(facts);
    return [await openPortingFix(deps.db.prisma, facts.recognition.actor, parsed.data.requestId, facts.language)];
  });
  onCardAction(app, Verbs.portingIssues.resubmit, async (context, _state, data) => {
    const facts = factsOf(context);
    const parsed = resubmitDataSchema.safeParse(data);
    if (facts.recognition.status !== 'known' || !parsed.success) return denied(facts);
    return resubmitPortingFix({ db: deps.db.prisma, clockSpeed: deps.clockSpeed }, facts.recognition.actor, parsed.data, facts.language);
  });
}
