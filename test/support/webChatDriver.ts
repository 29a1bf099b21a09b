import { pageToken, signIn } from './webSession';

type Json = Record<string, any>;

/** A web chat conversation driven over Direct Line as the page's Web Chat does, after a one-time sign-in link. */
export interface WebChatDriver {
  conversationId: string;
  /** The bot's messages with cards delivered after the last poll (an updated card is delivered again under its id). */
  nextFromBot(): Promise<Json[]>;
  /** Presses an Action.Submit of a card as Web Chat does: a message whose value is its data and the inputs. */
  submit(card: Json, title: string, inputs?: Record<string, unknown>): Promise<Json[]>;
  /** Every message of the conversation as the page would load it now, updated cards included. */
  everything(): Promise<Json[]>;
}

export async function openWebChat(botUrl: string, signInLink: string): Promise<WebChatDriver> {
  const page = await signIn(signInLink);
  const token = pageToken(page.html);
  if (!token) throw new Error(`the sign-in link gave no chat page (${page.status})`);
  const directLine = async (method: string, route: string, body?: unknown): Promise<Json> => {
    const response = await fetch(`${botUrl}/v3/directline${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as Json;
  };
  const { conversationId } = await directLine('POST', '/conversations', { user: { id: 'web-user' }, locale: 'en-US' });
  let watermark = '';
  const nextFromBot = async (): Promise<Json[]> => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const polled = await directLine('GET', `/conversations/${conversationId}/activities?watermark=${watermark}`);
      watermark = polled.watermark;
      const fromBot = (polled.activities as Json[]).filter((a) => a.from?.role === 'bot' && a.attachments?.length);
      if (fromBot.length > 0) return fromBot;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the bot sent no card');
  };
  const submit = async (card: Json, title: string, inputs: Record<string, unknown> = {}) => {
    const all: Json[] = [];
    const walk = (node: unknown, key?: string): void => {
      if (Array.isArray(node)) node.forEach((item) => walk(item));
      else if (node && typeof node === 'object' && key !== 'fallback') {
        const element = node as Json;
        if (typeof element.type === 'string' && element.type.startsWith('Action.')) all.push(element);
        for (const [childKey, value] of Object.entries(element)) walk(value, childKey);
      }
    };
    walk(card);
    const action = all.find((a) => a.title === title);
    if (!action) throw new Error(`no button ${title}`);
    expect(action.type).toBe('Action.Submit');
    await directLine('POST', `/conversations/${conversationId}/activities`, { type: 'message', from: { id: 'web-user' }, value: { ...action.data, ...inputs } });
    return nextFromBot();
  };
  const everything = async (): Promise<Json[]> => (await directLine('GET', `/conversations/${conversationId}/activities`)).activities as Json[];
  return { conversationId, nextFromBot, submit, everything };
}
