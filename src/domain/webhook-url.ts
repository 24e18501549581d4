import { BlockList, isIP } from 'node:net';

// §20: where webhooks may be sent. The URL is checked when an endpoint is created or changed
// (its host, when it is an address) and again at every delivery against the address the name
// resolves to then, so a name that later resolves to a private address (DNS rebinding) is refused.

/** Addresses no webhook goes to unless the deployment allows private targets. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of an IPv4 address
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address an IPv6 one carries (`::ffff:127.0.0.1`, `::ffff:7f00:1`), if any. */
function embeddedIpv4(address: string): string | undefined {
  const m = /^(?:0{0,4}:){0,4}(?::|0{0,4}:)?ffff:(.+)$/i.exec(address);
  const rest = m?.[1];
  if (!rest) return undefined;
  if (isIP(rest) === 4) return rest;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(rest);
  if (!hex) return undefined;
  const hi = Number.parseInt(hex[1]!, 16);
  const lo = Number.parseInt(hex[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Whether `address` (an IP literal) is loopback, private, link-local or otherwise internal. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return PRIVATE.check(bare, 'ipv4');
  if (family !== 6) return true; // not an address: refuse rather than guess
  const v4 = embeddedIpv4(bare);
  if (v4 !== undefined) return PRIVATE.check(v4, 'ipv4');
  return PRIVATE.check(bare, 'ipv6');
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; message: string };

/**
 * The checks of §20 that need no DNS: an absolute http(s) URL without credentials whose host, when
 * it is an address (or `localhost`), is a public one unless `allowPrivate`.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'url must be an absolute http:// or https:// URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: 'url must start with http:// or https://' };
  }
  if (url.username || url.password) {
    return { ok: false, message: 'url must not hold a user name or password' };
  }
  if (raw.length > 2048) return { ok: false, message: 'url must be at most 2048 characters' };
  if (allowPrivate) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (local || (isIP(host) !== 0 && isPrivateAddress(host))) {
    return {
      ok: false,
      message:
        'url points to a loopback, private or link-local address; such targets are allowed only ' +
        'when the deployment sets OUTDIAL_WEBHOOK_ALLOW_PRIVATE=true',
    };
  }
  return { ok: true, url };
}
