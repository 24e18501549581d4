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
  createdAt: Type.Integer({ description: 'epoch ms' }),
  updatedAt: Type.Integer({ description: 'epoch ms' }),
});
export type AgentBody = Static<typeof AgentBody>;

export const AgentListBody = Type.Object({ agents: Type.Array(AgentBody) });

export const AgentDeletedBody = Type.Object({ id: Type.String(), deleted: Type.Literal(true) });
