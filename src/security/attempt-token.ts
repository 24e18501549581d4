import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

// Tokens scoped to one attempt, verifiable without a table lookup (extensions §21): an HMAC under a
// key derived from the deployment secret, over what the token is for, the attempt and its expiry.
// - `report`: the agent's Bearer token for reading its call's context and posting its report;
// - `callback`: the last segment of the carrier's callback URL, which names the attempt, so a
//   forged or guessed URL is refused before the carrier's own signature is even checked.
// A token for one purpose or attempt is worthless for another. Format (URL-safe):
// `<attemptId>.<expiry, base 36 ms>.<HMAC, base64url>`.

export type TokenPurpose = 'report' | 'callback';

export const REPORT_TOKEN_TTL_MS = 24 * 3_600_000;

export interface VerifiedToken {
  attemptId: string;
  expiresAt: number;
}

export class AttemptTokens {
  private readonly key: Buffer;

  constructor(deploymentSecret: Uint8Array) {
    this.key = Buffer.from(
      hkdfSync('sha256', deploymentSecret, Buffer.alloc(0), 'outdial attempt token v1', 32),
    );
  }

  private mac(purpose: TokenPurpose, attemptId: string, expiry: string): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}\n${attemptId}\n${expiry}`).digest();
  }

  issue(purpose: TokenPurpose, attemptId: string, expiresAt: number): string {
    const expiry = Math.floor(expiresAt).toString(36);
    return `${attemptId}.${expiry}.${this.mac(purpose, attemptId, expiry).toString('base64url')}`;
  }

  /** The attempt a token names, if it is genuine, for `purpose` and not expired at `now`. */
  verify(purpose: TokenPurpose, token: string, now: number): VerifiedToken | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [attemptId, expiry, mac] = parts as [string, string, string];
    if (!/^[0-9a-z]{1,12}$/.test(expiry) || !/^[A-Za-z0-9_-]{43}$/.test(mac)) return undefined;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(purpose, attemptId, expiry);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const expiresAt = Number.parseInt(expiry, 36);
    return now < expiresAt ? { attemptId, expiresAt } : undefined;
  }
}
