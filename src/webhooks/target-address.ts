import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from '../domain/webhook-url.js';

// The address a delivery connects to is checked when it is resolved, inside the connection
// itself (the socket's `lookup`): the check and the connection use the same answer, so a name
// that resolves to a public address for a check and a private one for the connection (DNS
// rebinding) cannot slip through.

export class PrivateTargetError extends Error {
  constructor(host: string, address: string) {
    super(
      `${host} resolves to ${address}, a loopback, private or link-local address ` +
        '(allowed only with OUTDIAL_WEBHOOK_ALLOW_PRIVATE=true)',
    );
    this.name = 'PrivateTargetError';
  }
}

/** A socket `lookup` that refuses private addresses unless `allowPrivate`. */
export function checkedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const refused = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (refused) return callback(new PrivateTargetError(hostname, refused.address), '', 0);
      if (options.all) return callback(null, list as never, 0);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** An IP-literal host is not looked up by Node: it is checked here instead. */
export function literalHostRefused(host: string, allowPrivate: boolean): Error | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  if (allowPrivate || isIP(bare) === 0 || !isPrivateAddress(bare)) return undefined;
  return new PrivateTargetError(host, bare);
}
