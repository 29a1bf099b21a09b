import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type restify from 'restify';
import { escapeHtml, pagesDir } from './pages';

// The package's exports hide package.json and dist/ from require, so they are found from its main entry (lib/).
const webChatPackage = path.resolve(path.dirname(require.resolve('botframework-webchat')), '..');
const webChatBundle = path.join(webChatPackage, 'dist', 'webchat.js');
const webChatVersion = (JSON.parse(fs.readFileSync(path.join(webChatPackage, 'package.json'), 'utf8')) as { version: string }).version;

/** Versioned, so browsers may keep it for good and a new Web Chat release gets a new address. */
export const WEB_CHAT_BUNDLE_PATH = `/webchat/${webChatVersion}/webchat.js`;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(file: string, type: string): Asset {
  const body = fs.readFileSync(path.join(pagesDir, file));
  return { body, type, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** The head of a page with the web chat: the nonce Web Chat styles with, the conversation it opens if any, the scripts. */
export function chatHead(nonce: string, token?: string): string {
  return [
    `<meta name="csp-nonce" content="${escapeHtml(nonce)}">`,
    ...(token ? [`<meta name="webchat-token" content="${escapeHtml(token)}">`] : []),
    `<script src="${WEB_CHAT_BUNDLE_PATH}" defer></script>`,
    '<script src="/webchat/page/chat.js" defer></script>',
  ].join('\n  ');
}

/** The static files the pages load: Web Chat's bundle and the pages' own script and styles. */
export function registerAssetRoutes(server: restify.Server): void {
  const assets: Record<string, Asset> = {
    'chat.js': asset('chat.js', 'text/javascript; charset=utf-8'),
    'chat.css': asset('chat.css', 'text/css; charset=utf-8'),
    'activate.css': asset('activate.css', 'text/css; charset=utf-8'),
  };

  server.get(WEB_CHAT_BUNDLE_PATH, (_req, res, next) => {
    res.writeHead(200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    });
    fs.createReadStream(webChatBundle).pipe(res);
    next();
  });

  server.get('/webchat/page/:file', (req, res, next) => {
    const file = assets[String(req.params.file)];
    if (!file) {
      res.send(404, { error: { code: 'NotFound', message: 'No such file.' } });
      return next();
    }
    const headers = {
      'Content-Type': file.type,
      // Revalidated on each load, so a new deployment is picked up at once; unchanged files cost a 304.
      'Cache-Control': 'no-cache',
      ETag: file.etag,
      'X-Content-Type-Options': 'nosniff',
    };
    if (req.header('if-none-match') === file.etag) res.sendRaw(304, '', headers);
    else res.sendRaw(200, file.body, headers);
    next();
  });
}
