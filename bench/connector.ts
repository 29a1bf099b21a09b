import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the Bot Connector service that does as little as possible: it counts what the bots send and
 * answers at once, so the figures measure the bots. It can answer 429 to one request in `throttleEvery`, as Teams
 * does when a bot goes too fast.
 */
export interface BenchConnector {
  serviceUrl: string;
  /** Activities accepted (answered 200 or 201). */
  accepted(): number;
  /** Requests answered 429. */
  throttled(): number;
  /** 0 accepts everything; 10 answers 429 to every tenth activity. */
  throttleEvery: number;
  /** Files served at `${serviceUrl}files/<name>`, as Teams links a file someone sent (the bot fetches it). */
  files: Map<string, string>;
  close(): Promise<void>;
}

export async function startBenchConnector(): Promise<BenchConnector> {
  let accepted = 0;
  let throttled = 0;
  let seen = 0;
  let nextId = 1;
  const server = http.createServer((req, res) => {
    const file = req.method === 'GET' && req.url?.startsWith('/files/') ? connector.files.get(decodeURIComponent(req.url.slice('/files/'.length))) : undefined;
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': Buffer.byteLength(file) });
      res.end(file);
      return;
    }
    // The body is not needed: draining it is enough to keep the connection reusable.
    req.resume();
    req.on('end', () => {
      if (req.url?.replace(/\/+$/, '') === '/v3/conversations') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `a:bench-created-${nextId++}` }));
        return;
      }
      seen++;
      if (connector.throttleEvery > 0 && seen % connector.throttleEvery === 0) {
        throttled++;
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"Throttled","message":"too many requests"}}');
        return;
      }
      accepted++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `bench-${nextId++}` }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const connector: BenchConnector = {
    serviceUrl: `http://127.0.0.1:${port}/`,
    accepted: () => accepted,
    throttled: () => throttled,
    throttleEvery: 0,
    files: new Map(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return connector;
}
