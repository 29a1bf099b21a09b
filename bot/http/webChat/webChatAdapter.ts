import {
  BotAdapter,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import type { Db } from '../../../services/platform/db/database';
import { WEB_CHAT_IDENTITY } from '../../identity';
import type { Logger } from '../../logger';
import { answerTurnError } from '../../turnLog';
import {
  appendActivity,
  deleteActivity,
  findConversation,
  identityOf,
  replaceActivity,
  type WebChatConversation,
} from './conversations';

export const WEB_CHAT_CHANNEL_ID = 'webchat';

/** The bot's account in every web chat conversation. */
export const BOT_ACCOUNT: ChannelAccount = { id: 'sim-activation-assistant', name: 'SIM activation assistant', role: 'bot' };

type TurnLogic = (context: TurnContext) => Promise<void>;

/**
 * Runs the bot for the web chat and keeps what it sends in the database, where the Direct Line endpoint reads it:
 * several bot processes can serve one conversation, and replies sent after the turn (proactive) land there too.
 */
export class WebChatAdapter extends BotAdapter {
  constructor(
    private readonly db: Db,
    /** Where this server is reached; stored in conversation references like a channel's service URL. */
    readonly serviceUrl: string,
    logger: Logger,
  ) {
    super();
    this.onTurnError = (context, error) => answerTurnError(logger, context, error);
  }

  /** Runs one turn for an activity of `conversation` (already stored when the user posted it). */
  async processActivity(conversation: WebChatConversation, activity: Partial<Activity>, logic: TurnLogic): Promise<void> {
    const context = new TurnContext(this, activity);
    context.turnState.set(WEB_CHAT_IDENTITY, identityOf(conversation));
    await this.runMiddleware(context, logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      const id = await appendActivity(this.db, conversationIdOf(context, activity), this.outgoing(activity));
      responses.push({ id });
    }
    return responses;
  }

  override async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse> {
    if (!activity.id) throw new Error('updateActivity needs the id of the activity to replace');
    const replaced = await replaceActivity(this.db, conversationIdOf(context, activity), activity.id, this.outgoing(activity));
    if (!replaced) throw new Error('updateActivity: no such activity in this web chat conversation');
    return { id: activity.id };
  }

  override async deleteActivity(context: TurnContext, reference: Partial<ConversationReference>): Promise<void> {
    if (!reference.activityId) throw new Error('deleteActivity needs the id of the activity to delete');
    await deleteActivity(this.db, reference.conversation?.id ?? context.activity.conversation.id, reference.activityId);
  }

  override async continueConversation(reference: Partial<ConversationReference>, logic: TurnLogic): Promise<void> {
    const conversation = reference.conversation?.id ? await findConversation(this.db, reference.conversation.id) : null;
    if (!conversation) throw new Error('continueConversation: no such web chat conversation');
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'continueConversation' }, reference, true);
    await this.processActivity(conversation, activity, logic);
  }

  // The web chat has no channel authentication: the app id, claims and audience a caller passes change nothing.
  override async continueConversationAsync(
    _appIdOrClaims: unknown,
    reference: Partial<ConversationReference>,
    logicOrAudience: TurnLogic | string,
    logic?: TurnLogic,
  ): Promise<void> {
    const run = typeof logicOrAudience === 'function' ? logicOrAudience : logic;
    if (!run) throw new TypeError('continueConversationAsync needs a logic callback');
    await this.continueConversation(reference, run);
  }

  /** What is stored for an activity from the bot: channel fields set here, the id left to the store. */
  private outgoing(activity: Partial<Activity>): Partial<Activity> {
    const { id: _storeAssignsTheId, ...content } = activity;
    return {
      ...content,
      channelId: WEB_CHAT_CHANNEL_ID,
      serviceUrl: this.serviceUrl,
      from: { ...BOT_ACCOUNT, ...activity.from, role: 'bot' },
      timestamp: activity.timestamp ?? new Date(),
    };
  }
}

function conversationIdOf(context: TurnContext, activity: Partial<Activity>): string {
  return activity.conversation?.id ?? context.activity.conversation.id;
}
