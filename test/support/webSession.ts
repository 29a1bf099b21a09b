/**
 * Opens a one-time sign-in link as a browser does: the link answers 303 to the signed-in chat with the session
 * cookie, which the chat page then needs. `status` and `html` are the chat page's, or the link's own answer when it
 * gives no session (a used link).
 */
export async function signIn(link: string, headers: Record<string, string> = {}): Promise<{ status: number; html: string; cookie: string; headers: Headers }> {
  const exchanged = await fetch(link, { redirect: 'manual', headers });
  const setCookie = exchanged.headers.get('set-cookie');
  if (exchanged.status !== 303 || !setCookie) return { status: exchanged.status, html: await exchanged.text(), cookie: '', headers: exchanged.headers };
  const cookie = setCookie.split(';')[0]!;
  const page = await fetch(new URL(exchanged.headers.get('location')!, link), { headers: { ...headers, cookie } });
  return { status: page.status, html: await page.text(), cookie, headers: page.headers };
}

/** The conversation token a signed-in chat page carries for its script. */
export const pageToken = (html: string) => /<meta name="webchat-token" content="([A-Za-z0-9_-]{43})">/.exec(html)?.[1];

/** A call to the bot's Direct Line endpoint with a conversation token, as Web Chat makes it; the body read as JSON. */
export async function directLineCall(
  botUrl: string,
  method: string,
  route: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${botUrl}/v3/directline${route}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}
