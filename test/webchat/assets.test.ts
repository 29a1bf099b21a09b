import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { WEB_CHAT_BUNDLE_PATH, webChatBundleReady } from '../../bot/http/webChat/assets';
import { pagesDir } from '../../bot/http/webChat/pages';
import { t } from '../../cards/strings';
import { useRunningBot } from '../support/botUnderTest';

const served = useRunningBot('webchat-assets');

// The bundle as the package ships it: what a browser must end up with, whatever the encoding.
const webChatBundle = fs.readFileSync(path.join(path.dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js'));

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request as sent, body as received: fetch would ask for its own encodings and decompress. */
function request(method: 'GET' | 'HEAD', route: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http
      .request(`${served.bot.url}${route}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject)
      .end();
  });
}

const get = (route: string, headers: Record<string, string> = {}) => request('GET', route, headers);

/** The headers a HEAD must repeat from its GET: all but the date and the connection's own. */
const representation = ({ headers }: Raw) => {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
  return rest;
};

/** A HEAD answers as its GET does, without the body. */
async function expectHeadLikeGet(route: string, headers: Record<string, string>): Promise<void> {
  const [head, got] = [await request('HEAD', route, headers), await get(route, headers)];
  expect(head.status).toBe(got.status);
  expect(representation(head)).toEqual(representation(got));
  expect(Number(head.headers['content-length'])).toBe(got.body.length);
  expect(head.body.length).toBe(0);
}

const decoded = ({ headers, body }: Raw) =>
  headers['content-encoding'] === 'br' ? zlib.brotliDecompressSync(body) : headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body;

// A first run compresses the bundle at brotli's best quality (seconds); later runs read it from disk.
beforeAll(() => webChatBundleReady(), 120_000);

describe("Web Chat's bundle", () => {
  test('the page asks for the bundle at an address named by its content, and shows it is starting before it arrives', async () => {
    const html = (await get('/', { 'Accept-Language': 'en' })).body.toString();
    const hash = crypto.createHash('sha256').update(webChatBundle).digest('base64url').slice(0, 20);
    expect(WEB_CHAT_BUNDLE_PATH).toBe(`/webchat/${hash}/webchat.js`);
    expect(html).toContain(`<script src="${WEB_CHAT_BUNDLE_PATH}" defer></script>`);
    // Painted with the page's first paint, not only once the bundle has run; hidden only when scripts are off.
    const status = /<p id="chat-status"[^>]*>([^<]*)<\/p>/.exec(html)!;
    expect(status[0]).not.toMatch(/\shidden[\s>]/);
    expect(status[1]).toBe(t('en', 'webChat.starting'));
    expect(html).toMatch(/<noscript><style nonce="[^"]+">#chat-status \{ display: none; \}<\/style><\/noscript>/);
  });

  test.each([
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['identity', 'identity'],
    ['', 'identity'],
  ])('Accept-Encoding "%s" gets %s, the same bundle once decoded, cached for a year', async (accept, encoding) => {
    const response = await get(WEB_CHAT_BUNDLE_PATH, accept ? { 'Accept-Encoding': accept } : {});
    expect(response.status).toBe(200);
    expect(response.headers['content-encoding'] ?? 'identity').toBe(encoding);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers.vary).toBe('Accept-Encoding');
    expect(Number(response.headers['content-length'])).toBe(response.body.length);
    expect(decoded(response).equals(webChatBundle)).toBe(true);
    if (encoding !== 'identity') expect(response.body.length).toBeLessThan(webChatBundle.length / 3);
  });

  test("a browser's copy is confirmed with a 304 and no body", async () => {
    const first = await get(WEB_CHAT_BUNDLE_PATH, { 'Accept-Encoding': 'br' });
    const again = await get(WEB_CHAT_BUNDLE_PATH, { 'Accept-Encoding': 'br', 'If-None-Match': `W/"other", ${first.headers.etag!}` });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    // Another encoding is another representation: its own tag.
    expect((await get(WEB_CHAT_BUNDLE_PATH, { 'Accept-Encoding': 'gzip', 'If-None-Match': first.headers.etag! })).status).toBe(200);
  });

  test.each(['br', 'gzip', 'identity'])('a HEAD request with Accept-Encoding %s gets the headers of the GET and no body', async (accept) => {
    await expectHeadLikeGet(WEB_CHAT_BUNDLE_PATH, { 'Accept-Encoding': accept });
  });

  test('another hash or the old versioned address is not found', async () => {
    const other = WEB_CHAT_BUNDLE_PATH.replace(/\/webchat\/[^/]+\//, `/webchat/${'A'.repeat(20)}/`);
    expect((await get(other)).status).toBe(404);
    expect((await get('/webchat/4.18.1/webchat.js')).status).toBe(404);
  });
});

describe("the pages' own files", () => {
  test.each(['chat.js', 'chat.css', 'activate.css'])('%s is compressed when accepted and revalidated on each load', async (file) => {
    const original = fs.readFileSync(path.join(pagesDir, file));
    for (const [accept, encoding] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['identity', undefined]] as const) {
      const response = await get(`/webchat/page/${file}`, { 'Accept-Encoding': accept });
      expect(response.status).toBe(200);
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers.vary).toBe('Accept-Encoding');
      expect(Number(response.headers['content-length'])).toBe(response.body.length);
      expect(decoded(response).equals(original)).toBe(true);
      expect((await get(`/webchat/page/${file}`, { 'Accept-Encoding': accept, 'If-None-Match': response.headers.etag! })).status).toBe(304);
    }
  });

  test.each(['chat.js', 'chat.css', 'activate.css', 'activate.js'])('a HEAD request for %s gets the headers of the GET and no body', async (file) => {
    for (const accept of ['gzip, deflate, br', 'gzip', 'identity']) await expectHeadLikeGet(`/webchat/page/${file}`, { 'Accept-Encoding': accept });
  });
});
