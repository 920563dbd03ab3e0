// Who the client is when the server sits behind a TLS-terminating reverse proxy (TRUST_PROXY).
// HTTP (Fastify's request.ip and request.protocol) and socket.io handshakes use the same trust
// function, so a rate limit keyed on the address means the same client on both paths.
import proxyAddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';

/** false: trust no proxy; a number: that many hops in front of us; else addresses or CIDRs. */
export type TrustProxy = false | number | string[];

export type TrustFunction = (address: string, hop: number) => boolean;

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Parses TRUST_PROXY: empty (trust nothing), a hop count such as "1", or a comma-separated list
 * of addresses, CIDRs and the names loopback, linklocal, uniquelocal. Throws with the reason.
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim();
  if (value === '' || value === 'false') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) throw new Error('a hop count must be 1 to 10');
    return hops;
  }
  // "true" would trust every peer: anyone could forge X-Forwarded-For. Name the proxies instead.
  if (value === 'true') throw new Error('"true" trusts every peer; give a hop count or the proxy addresses/CIDRs');
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    if (NAMED_RANGES.has(entry)) continue;
    try {
      proxyAddr.compile(entry);
    } catch {
      throw new Error(`"${entry}" is not an IP address, a CIDR, or one of loopback, linklocal, uniquelocal`);
    }
  }
  return entries;
}

export function trustFunction(trust: TrustProxy): TrustFunction {
  if (trust === false) return () => false;
  // Hops count from our side: hop 0 is the peer on the socket, always the nearest proxy.
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust);
}

/** The client's address for a raw request (a socket.io handshake), as Fastify's request.ip. */
export function clientAddress(request: IncomingMessage, trust: TrustFunction): string {
  return proxyAddr(request, trust);
}
