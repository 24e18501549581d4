// A workspace's carrier account (extensions §21): what places the calls of the agents that name
// it. Its credentials never leave storage in the clear except to the provider that uses them.

export type ConnectionProvider = 'twilio';

export const CONNECTION_PROVIDERS: readonly ConnectionProvider[] = ['twilio'];

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export interface Connection {
  id: string;
  workspaceId: string;
  provider: ConnectionProvider;
  name: string;
  /** The carrier's account id (Twilio's AccountSid): keys the account's shared pacing bucket. */
  account: string;
  fromNumbers: string[];
  callsPerSecond: number;
  createdAt: number;
  updatedAt: number;
}

/** Where a connection's sealed credentials are bound: they open on this row only. */
export const credentialsContext = (connectionId: string) => `${connectionId}/credentials`;

/** The numbers of `wanted` that are not in `owned` (exact E.164 match), in the order given. */
export function numbersNotOwned(wanted: readonly string[], owned: ReadonlySet<string>): string[] {
  return wanted.filter((n) => !owned.has(n));
}
