import { type Static, Type } from 'typebox';

// §21 connections. Credentials are accepted and never returned: no answer schema has them, so
// the serializer drops them even if a handler passed them by mistake. Unknown top-level fields
// are ignored and never stored, as for agents.

export const CONNECTION_DEFAULTS = { callsPerSecond: 1 };

const Name = Type.String({ minLength: 1, pattern: '\\S', description: 'required, not blank' });
const E164 = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164' });
const FromNumbers = Type.Array(E164, {
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  description:
    "the account's numbers calls may come from: its incoming numbers or verified caller IDs",
});
const CallsPerSecond = Type.Integer({
  minimum: 1,
  maximum: 1000,
  description: "the carrier account's limit on call starts per second (Twilio's default is 1)",
});
const TwilioCredentials = Type.Object(
  {
    accountSid: Type.String({ pattern: '^AC[0-9a-fA-F]{32}$', description: 'AC…, 34 characters' }),
    authToken: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { description: 'write-only: stored encrypted, never returned' },
);

export const ConnectionParams = Type.Object({ connectionId: Type.String() });

export const ConnectionCreateBody = Type.Object({
  provider: Type.Literal('twilio'),
  name: Name,
  credentials: TwilioCredentials,
  fromNumbers: FromNumbers,
  callsPerSecond: Type.Optional(
    Type.Integer({ ...CallsPerSecond, default: CONNECTION_DEFAULTS.callsPerSecond }),
  ),
});
export type ConnectionCreateBody = Static<typeof ConnectionCreateBody>;

/** The given fields change; new credentials or numbers are checked against the account again. */
export const ConnectionUpdateBody = Type.Object({
  name: Type.Optional(Name),
  credentials: Type.Optional(TwilioCredentials),
  fromNumbers: Type.Optional(FromNumbers),
  callsPerSecond: Type.Optional(CallsPerSecond),
});
export type ConnectionUpdateBody = Static<typeof ConnectionUpdateBody>;

export const ConnectionBody = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  name: Type.String(),
  fromNumbers: Type.Array(Type.String()),
  callsPerSecond: Type.Integer(),
  createdAt: Type.Integer({ description: 'epoch ms' }),
});
export type ConnectionBody = Static<typeof ConnectionBody>;

export const ConnectionListBody = Type.Object({ connections: Type.Array(ConnectionBody) });

export const ConnectionDeletedBody = Type.Object({
  id: Type.String(),
  deleted: Type.Literal(true),
});

export const ConnectionNotFoundBody = Type.Object(
  { error: Type.Literal('Connection not found'), message: Type.String() },
  { additionalProperties: true },
);
