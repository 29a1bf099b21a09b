import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The issuer Bot Framework channel tokens carry (botframework-connector's ToBotFromChannelTokenIssuer). */
const CHANNEL_ISSUER = 'https://api.botframework.com';

export interface TokenClaims {
  audience: string;
  serviceUrl: string;
  /** Seconds from now; negative for a token that has already expired. */
  expiresIn?: number;
  issuer?: string;
}

/** A signing key as the Bot Connector has them: an RSA pair with a key id. */
export interface SigningKey {
  kid: string;
  publicJwk: crypto.JsonWebKey;
  sign(claims: TokenClaims): string;
}

export interface LocalOpenIdServer {
  /** For BotOpenIdMetadata: the OpenID configuration whose jwks_uri lists the published keys. */
  metadataUrl: string;
  /** A key published in the JWKS, as the Bot Connector's are. */
  publishedKey: SigningKey;
  close(): Promise<void>;
}

/** A fresh RSA key; its tokens are RS256 JWTs shaped like the ones the Bot Connector sends to a bot. */
export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = crypto.randomBytes(8).toString('hex');
  return {
    kid,
    publicJwk: publicKey.export({ format: 'jwk' }),
    sign: ({ audience, serviceUrl, expiresIn = 600, issuer = CHANNEL_ISSUER }) => {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', typ: 'JWT', kid };
      const payload = { iss: issuer, aud: audience, serviceurl: serviceUrl, nbf: now - 60, iat: now - 60, exp: now + expiresIn };
      const signed = `${base64url(header)}.${base64url(payload)}`;
      return `${signed}.${crypto.sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`;
    },
  };
}

/** Serves an OpenID configuration and its JWKS, in the place of login.botframework.com, on a local port. */
export async function startLocalOpenIdServer(): Promise<LocalOpenIdServer> {
  const publishedKey = newSigningKey();
  const { n, e } = publishedKey.publicJwk;
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body =
      req.url === '/.well-known/openidconfiguration'
        ? { issuer: CHANNEL_ISSUER, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'] }
        : req.url === '/keys'
          ? { keys: [{ kty: 'RSA', use: 'sig', kid: publishedKey.kid, n, e, endorsements: ['msteams'] }] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    metadataUrl: `http://127.0.0.1:${port}/.well-known/openidconfiguration`,
    publishedKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
