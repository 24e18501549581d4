import { type Static, Type } from 'typebox';

// §14 of the contract. Unknown top-level body fields are ignored (clients of other APIs may send
// more) and never stored; a gap item is stored as a whole (jsonb), so it takes its two keys only.

export const AGENT_DEFAULTS = {
  greeting: '',
  prompt: '',
  provider: 'simulator',
  smartCallback: false,
  maxAttemptsForSmartCallback: 5,
  gapBetweenEachAttemptForSmartCallback: [] as { days: number; hours: number }[],
};

const Name = Type.String({ minLength: 1, pattern: '\\S', description: 'required, not blank' });
const FromNumber = Type.String({
  pattern: '^\\+[1-9][0-9]{6,14}$',
  description: 'ext: caller ID, E.164',
});
const providerRules = { minLength: 1, description: 'ext: telephony provider name' };
const Provider = Type.String(providerRules);
const maxAttemptsRules = { minimum: 1, maximum: 10 };
const MaxAttempts = Type.Integer(maxAttemptsRules);
const Gap = Type.Object(
  {
    days: Type.Integer({ minimum: 0, maximum: 30 }),
    hours: Type.Integer({ minimum: 0, maximum: 23 }),
  },
  { additionalProperties: false, description: 'days and hours only; any other key is a 400' },
);
/** The only keys of a gap item, the only object of an agent body that refuses unknown keys. */
export const GAP_FIELDS = Object.keys(Gap.properties);
const Gaps = Type.Array(Gap);
const Variables = Type.Array(Type.String({ minLength: 1 }), {
  description: 'declared {variable} names',
});

// §21: how the agent's calls are placed and bridged. Each is absent (its default) until given.
const ConnectionId = Type.String({
  minLength: 1,
  description: 'ext: the telephony connection that places the calls (absent: the simulator)',
});
const Transport = Type.Union(
  [
    Type.Object({
      type: Type.Literal('stream'),
      url: Type.String({ description: 'wss:// (Twilio Media Streams)' }),
    }),
    Type.Object({ type: Type.Literal('sip'), uri: Type.String({ description: 'sip:…' }) }),
    Type.Object({
      type: Type.Literal('twiml'),
      url: Type.String({ description: "https://, the user's own TwiML" }),
    }),
  ],
  { description: 'ext: where an answered call is bridged; required with a connectionId' },
);
const MachineDetection = Type.Union([Type.Literal('off'), Type.Literal('detect')], {
  description: 'ext: "detect" reports answering machines as voicemail (default "off")',
});
const RingTimeoutSec = Type.Integer({
  minimum: 5,
  maximum: 120,
  description: 'ext: seconds a call may ring (default 30)',
});
const MaxCallDurationSec = Type.Integer({
  minimum: 30,
  maximum: 14_400,
  description: 'ext: the longest call, in seconds (default 900)',
});
const FallbackMessage = Type.String({
  minLength: 1,
  maxLength: 1_000,
  pattern: '\\S',
  description:
    'ext: spoken when an answered call cannot reach the agent (default: a short apology)',
});

const telephonyFields = {
  connectionId: Type.Optional(ConnectionId),
  transport: Type.Optional(Transport),
  machineDetection: Type.Optional(MachineDetection),
  ringTimeoutSec: Type.Optional(RingTimeoutSec),
  maxCallDurationSec: Type.Optional(MaxCallDurationSec),
  fallbackMessage: Type.Optional(FallbackMessage),
};

/** In a PUT, `null` returns a field to its default (no connectionId: the simulator). */
const telephonyPatchFields = {
  connectionId: Type.Optional(Type.Union([ConnectionId, Type.Null()])),
  transport: Type.Optional(Type.Union([Transport, Type.Null()])),
  machineDetection: Type.Optional(Type.Union([MachineDetection, Type.Null()])),
  ringTimeoutSec: Type.Optional(Type.Union([RingTimeoutSec, Type.Null()])),
  maxCallDurationSec: Type.Optional(Type.Union([MaxCallDurationSec, Type.Null()])),
  fallbackMessage: Type.Optional(Type.Union([FallbackMessage, Type.Null()])),
};

export const AgentParams = Type.Object({ agentId: Type.String() });

export const AgentCreateBody = Type.Object({
  name: Name,
  greeting: Type.Optional(Type.String({ default: AGENT_DEFAULTS.greeting })),
  prompt: Type.Optional(Type.String({ default: AGENT_DEFAULTS.prompt })),
  fromNumber: Type.Optional(FromNumber),
  provider: Type.Optional(Type.String({ ...providerRules, default: AGENT_DEFAULTS.provider })),
  smartCallback: Type.Optional(Type.Boolean({ default: AGENT_DEFAULTS.smartCallback })),
  maxAttemptsForSmartCallback: Type.Optional(
    Type.Integer({ ...maxAttemptsRules, default: AGENT_DEFAULTS.maxAttemptsForSmartCallback }),
  ),
  gapBetweenEachAttemptForSmartCallback: Type.Optional(Type.Array(Gap, { default: [] })),
  variables: Type.Optional(Variables),
  ...telephonyFields,
});
export type AgentCreateBody = Static<typeof AgentCreateBody>;

/** PUT is a partial update; `null` removes the optional `fromNumber` / `variables`. */
export const AgentUpdateBody = Type.Object({
  name: Type.Optional(Name),
  greeting: Type.Optional(Type.String()),
  prompt: Type.Optional(Type.String()),
  fromNumber: Type.Optional(Type.Union([FromNumber, Type.Null()])),
  provider: Type.Optional(Provider),
  smartCallback: Type.Optional(Type.Boolean()),
  maxAttemptsForSmartCallback: Type.Optional(MaxAttempts),
  gapBetweenEachAttemptForSmartCallback: Type.Optional(Gaps),
  variables: Type.Optional(Type.Union([Variables, Type.Null()])),
  ...telephonyPatchFields,
});
export type AgentUpdateBody = Static<typeof AgentUpdateBody>;

export const AgentBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  greeting: Type.String(),
  prompt: Type.String(),
  fromNumber: Type.Optional(Type.String()),
  provider: Type.String(),
  smartCallback: Type.Boolean(),
  maxAttemptsForSmartCallback: Type.Integer(),
  gapBetweenEachAttemptForSmartCallback: Gaps,
  variables: Type.Optional(Type.Array(Type.String())),
  ...telephonyFields,
  createdAt: Type.Integer({ description: 'epoch ms' }),
  updatedAt: Type.Integer({ description: 'epoch ms' }),
});
export type AgentBody = Static<typeof AgentBody>;

export const AgentListBody = Type.Object({ agents: Type.Array(AgentBody) });

export const AgentDeletedBody = Type.Object({ id: Type.String(), deleted: Type.Literal(true) });
