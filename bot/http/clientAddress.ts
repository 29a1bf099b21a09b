import net from 'node:net';
import type restify from 'restify';

/** At most this many X-Forwarded-For entries are read, from the right: more proxies than that stand in no deployment. */
const MAX_FORWARDED_HOPS = 10;

type ClientRequest = Pick<restify.Request, 'header' | 'socket'>;

/** The function giving a request's client address, behind the configured `TRUSTED_PROXIES` (IPs and CIDRs). */
export function clientAddressResolver(trustedProxies: readonly string[]): (req: ClientRequest) => string {
  const trusted = blockListOf(trustedProxies);
  return (req) => clientAddressOf(req, trusted);
}

function blockListOf(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

/**
 * The client's address as the per-address ceiling counts it: the direct peer, unless that peer is a trusted proxy.
 * Each proxy appends the address it was reached from to X-Forwarded-For, so read from the right, past the trusted
 * proxies, the first address is the client's; what a client writes into the header itself stands left of it and is
 * never reached. A garbled entry stops the reading at the last trusted proxy.
 */
function clientAddressOf(req: ClientRequest, trusted: net.BlockList): string {
  let address = req.socket.remoteAddress ?? 'unknown';
  const isTrusted = (candidate: string) => net.isIP(candidate) !== 0 && trusted.check(candidate, net.isIPv6(candidate) ? 'ipv6' : 'ipv4');
  const hops = (req.header('x-forwarded-for') ?? '').split(',').slice(-MAX_FORWARDED_HOPS).reverse();
  for (const hop of hops) {
    if (!isTrusted(address)) break;
    const candidate = hop.trim();
    if (net.isIP(candidate) === 0) break;
    address = candidate;
  }
  return address;
}
