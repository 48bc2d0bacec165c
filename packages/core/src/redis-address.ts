/**
 * Where Redis is: one server (`redis://` or `rediss://`, as ioredis reads it) or a Redis
 * Cluster, written `redis+cluster://[user:password@]host:port,host:port,...` (`rediss+cluster://`
 * for TLS). The cluster's nodes are seeds only: the client asks them for the slot map and
 * finds the other masters itself, so two or three of them are enough. REDIS_CLUSTER_NODES
 * (`host:port,host:port`) is the short way to write the same without credentials.
 */
export type RedisAddress =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean };

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\/(.*)$/;

/** `host:port`, `[::1]:port`, or `host` (port 6379). */
function parseNode(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(text.trim());
  const port = match?.[2] === undefined ? 6379 : Number(match[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`"${text.trim()}" is not host:port`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Reads a Redis address; throws on a cluster address it cannot read. */
export function parseRedisAddress(address: string): RedisAddress {
  const cluster = CLUSTER_SCHEME.exec(address.trim());
  if (!cluster) return { kind: 'single', url: address };
  let rest = cluster[2]!;
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    if (user) username = user;
    if (colon >= 0) password = decodeURIComponent(userinfo.slice(colon + 1));
  }
  rest = rest.replace(/\/.*$/, '');
  const nodes = rest.split(',').filter((n) => n.trim() !== '').map(parseNode);
  if (nodes.length === 0) throw new Error('a cluster address names at least one node');
  return { kind: 'cluster', nodes, ...(username ? { username } : {}), ...(password !== undefined ? { password } : {}), tls: cluster[1] === 'rediss' };
}

/** The cluster address of REDIS_CLUSTER_NODES' `host:port,host:port`. */
export function clusterAddressOf(nodes: string): string {
  const parsed = nodes.split(',').filter((n) => n.trim() !== '').map(parseNode);
  if (parsed.length === 0) throw new Error('names no node');
  return `redis+cluster://${parsed.map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`).join(',')}`;
}

