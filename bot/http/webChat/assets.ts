import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import Negotiator from 'negotiator';
import type restify from 'restify';
import { projectRoot } from '../../../services/platform/projectRoot';
import { escapeHtml, pagesDir } from './pages';

// The package's exports hide package.json and dist/ from require, so they are found from its main entry (lib/).
const webChatPackage = path.resolve(path.dirname(require.resolve('botframework-webchat')), '..');
const webChatBundle = path.join(webChatPackage, 'dist', 'webchat.js');

const contentHash = (body: Buffer) => crypto.createHash('sha256').update(body).digest('base64url');

/** Named by its content, so browsers may keep it for good and any other bundle gets another address. */
export const WEB_CHAT_BUNDLE_PATH = `/webchat/${contentHash(fs.readFileSync(webChatBundle)).slice(0, 20)}/webchat.js`;

/** Brotli and gzip bundles are written here once per bundle content: brotli's best quality takes seconds on 3.9 MB. */
export const compressedBundleDir = path.join(projectRoot(), 'node_modules', '.cache', 'webchat');

/** Best first: the server's order among the encodings a browser accepts equally (Chromium lists gzip before br). */
const ENCODINGS = ['br', 'gzip', 'identity'] as const;
type Encoding = (typeof ENCODINGS)[number];
type Compressed = Exclude<Encoding, 'identity'>;

const compressors: Record<Compressed, { compress: (body: Buffer) => Promise<Buffer>; compressSync: (body: Buffer) => Buffer }> = {
  br: {
    compress: (body) => promisify(zlib.brotliCompress)(body, brotliOptions(body)),
    compressSync: (body) => zlib.brotliCompressSync(body, brotliOptions(body)),
  },
  gzip: {
    compress: (body) => promisify(zlib.gzip)(body, { level: 9 }),
    compressSync: (body) => zlib.gzipSync(body, { level: 9 }),
  },
};

function brotliOptions(body: Buffer): zlib.BrotliOptions {
  const { BROTLI_PARAM_QUALITY, BROTLI_MAX_QUALITY, BROTLI_PARAM_SIZE_HINT, BROTLI_PARAM_MODE, BROTLI_MODE_TEXT } = zlib.constants;
  return { params: { [BROTLI_PARAM_QUALITY]: BROTLI_MAX_QUALITY, [BROTLI_PARAM_SIZE_HINT]: body.length, [BROTLI_PARAM_MODE]: BROTLI_MODE_TEXT } };
}

// @types/negotiator lacks negotiator 1.x's `preferred` option, which breaks a tie between encodings in the server's favour.
type EncodingNegotiator = { encoding(available: readonly string[], options: { preferred: readonly string[] }): string | undefined };

/** The best encoding ready that the request accepts; identity when it accepts none (an answer rather than a 406). */
function negotiate(req: restify.Request, ready: readonly Encoding[]): Encoding {
  const chosen = (new Negotiator(req) as unknown as EncodingNegotiator).encoding(ready, { preferred: ready });
  return (chosen as Encoding | undefined) ?? 'identity';
}

interface Asset {
  type: string;
  /** The content's hash; each encoding's tag adds its name, as each is a representation of its own. */
  hash: string;
  bodies: Record<Encoding, Buffer>;
}

const etagOf = (hash: string, encoding: Encoding) => `"${hash}${encoding === 'identity' ? '' : `-${encoding}`}"`;

/** Whether the browser's copy is this one: If-None-Match lists tags, weak ones marked W/ (equal for a GET). */
function unchanged(req: restify.Request, etag: string): boolean {
  const header = req.header('if-none-match');
  return header !== undefined && header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** A page's own small file, compressed at start-up (milliseconds). */
function asset(file: string, type: string): Asset {
  const body = fs.readFileSync(path.join(pagesDir, file));
  return {
    type,
    hash: contentHash(body).slice(0, 27),
    bodies: { identity: body, br: compressors.br.compressSync(body), gzip: compressors.gzip.compressSync(body) },
  };
}

/**
 * Web Chat's bundle in each encoding. Only the compressed copies are kept in memory (1.6 MB, not 3.9 MB); the
 * original is read from the package when a client refuses compression. A copy not yet on disk is made in zlib's
 * thread pool (brotli: about 6 s and 75 MB for a while, on the first start with a new bundle only), so the server
 * answers at once, meanwhile in the encodings that are ready.
 */
class WebChatBundle {
  readonly hash = WEB_CHAT_BUNDLE_PATH.split('/')[2]!;
  readonly identityLength = fs.statSync(webChatBundle).size;
  private readonly compressed: Partial<Record<Compressed, Buffer>> = {};
  /** Settles once every encoding is ready, for whoever must not answer before (tests, the bench). */
  readonly ready: Promise<void>;

  constructor() {
    this.ready = Promise.all((['gzip', 'br'] as const).map((encoding) => this.prepare(encoding))).then(() => undefined);
  }

  readyEncodings(): Encoding[] {
    return ENCODINGS.filter((encoding) => encoding === 'identity' || this.compressed[encoding]);
  }

  body(encoding: Compressed): Buffer {
    return this.compressed[encoding]!;
  }

  private async prepare(encoding: Compressed): Promise<void> {
    const file = path.join(compressedBundleDir, `${this.hash}.js.${encoding === 'br' ? 'br' : 'gz'}`);
    try {
      this.compressed[encoding] = await fs.promises.readFile(file);
      return;
    } catch {
      // Not prepared yet: made below.
    }
    const body = await compressors[encoding].compress(await fs.promises.readFile(webChatBundle));
    this.compressed[encoding] = body;
    try {
      await fs.promises.mkdir(compressedBundleDir, { recursive: true });
      // Written under a name of its own, then renamed: another process starting at the same time never reads half a file.
      const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
      await fs.promises.writeFile(partial, body);
      await fs.promises.rename(partial, file);
    } catch {
      // A read-only installation: the copy in memory serves, and the next start compresses again.
    }
  }
}

let bundle: WebChatBundle | undefined;

/** The bundle's compressed copies, prepared (or read from disk) on first use and kept for the process's life. */
export function webChatBundleReady(): Promise<void> {
  bundle ??= new WebChatBundle();
  return bundle.ready;
}

/** The head of a page with the web chat: the nonce Web Chat styles with, the conversation it opens if any, the scripts. */
export function chatHead(nonce: string, token?: string): string {
  return [
    `<meta name="csp-nonce" content="${escapeHtml(nonce)}">`,
    ...(token ? [`<meta name="webchat-token" content="${escapeHtml(token)}">`] : []),
    // Without scripts the chat never starts: the status line saying it is starting would be untrue.
    `<noscript><style nonce="${escapeHtml(nonce)}">#chat-status { display: none; }</style></noscript>`,
    `<script src="${WEB_CHAT_BUNDLE_PATH}" defer></script>`,
    '<script src="/webchat/page/chat.js" defer></script>',
  ].join('\n  ');
}

/** Headers of one encoding of a file: caches keep one copy per Accept-Encoding. */
function encodedHeaders(type: string, hash: string, encoding: Encoding, cacheControl: string): Record<string, string> {
  return {
    'Content-Type': type,
    ...(encoding === 'identity' ? {} : { 'Content-Encoding': encoding }),
    Vary: 'Accept-Encoding',
    'Cache-Control': cacheControl,
    ETag: etagOf(hash, encoding),
    'X-Content-Type-Options': 'nosniff',
  };
}

/**
 * 304 without a body, else 200 with the length of the body that follows (sent by `send`); a HEAD request gets the
 * same headers as its GET and no body, the bundle not even read.
 */
function answer(req: restify.Request, res: restify.Response, headers: Record<string, string>, length: number, send: () => void): void {
  if (unchanged(req, headers.ETag!)) {
    res.writeHead(304, headers);
    res.end();
  } else {
    res.writeHead(200, { ...headers, 'Content-Length': length });
    if (req.method === 'HEAD') res.end();
    else send();
  }
}

/** A route answered alike for GET and HEAD. */
function getAndHead(server: restify.Server, route: string, handler: restify.RequestHandler): void {
  server.get(route, handler);
  server.head(route, handler);
}

/** The static files the pages load: Web Chat's bundle and the pages' own script and styles. */
export function registerAssetRoutes(server: restify.Server): void {
  const assets: Record<string, Asset> = {
    'chat.js': asset('chat.js', 'text/javascript; charset=utf-8'),
    'chat.css': asset('chat.css', 'text/css; charset=utf-8'),
    'activate.css': asset('activate.css', 'text/css; charset=utf-8'),
    'activate.js': asset('activate.js', 'text/javascript; charset=utf-8'),
  };
  // An encoding that cannot be made (zlib failing) is simply not offered: the bundle still goes out uncompressed.
  webChatBundleReady().catch(() => undefined);
  const webChat = bundle!;

  // Any other hash is restify's 404: an old page asking for an older bundle gets no mismatched one.
  getAndHead(server, WEB_CHAT_BUNDLE_PATH, (req, res, next) => {
    const encoding = negotiate(req, webChat.readyEncodings());
    const headers = encodedHeaders('text/javascript; charset=utf-8', webChat.hash, encoding, 'public, max-age=31536000, immutable');
    if (encoding === 'identity') answer(req, res, headers, webChat.identityLength, () => fs.createReadStream(webChatBundle).pipe(res));
    else answer(req, res, headers, webChat.body(encoding).length, () => res.end(webChat.body(encoding)));
    next();
  });

  getAndHead(server, '/webchat/page/:file', (req, res, next) => {
    const file = assets[String(req.params.file)];
    if (!file) {
      res.send(404, { error: { code: 'NotFound', message: 'No such file.' } });
      return next();
    }
    const encoding = negotiate(req, ENCODINGS);
    const body = file.bodies[encoding];
    // Revalidated on each load, so a new deployment is picked up at once; unchanged files cost a 304.
    answer(req, res, encodedHeaders(file.type, file.hash, encoding, 'no-cache'), body.length, () => res.end(body));
    next();
  });
}
