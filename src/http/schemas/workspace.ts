import { type Static, Type } from 'typebox';

// §15 (ext) `GET|PATCH /workspace`.

/**
 * Upper bound of both limits. Far above any real telephony trunk; it only stops a typo (an extra
 * zero or three) from unleashing a flood of calls, and keeps values inside int4.
 */
export const WORKSPACE_LIMIT_MAX = 1000;

const limit = (description: string) =>
  Type.Integer({ minimum: 1, maximum: WORKSPACE_LIMIT_MAX, description });

/** Bounds that keep a typo from meaning "never call again" or "no cap at all". */
export const FREQUENCY_CAP_MAX_ATTEMPTS = 1000;
export const FREQUENCY_CAP_MAX_HOURS = 8760;

export const FrequencyCapBody = Type.Object(
  {
    maxAttempts: Type.Integer({ minimum: 1, maximum: FREQUENCY_CAP_MAX_ATTEMPTS }),
    periodHours: Type.Integer({ minimum: 1, maximum: FREQUENCY_CAP_MAX_HOURS }),
  },
  { additionalProperties: false },
);

/** Ext §19: same shape as a batch's callingWindow; its zone and times are checked beyond this. */
export const CallingWindowBody = Type.Object(
  {
    timezone: Type.Optional(
      Type.String({ description: '"recipient" (the number\'s own zone) or an IANA zone' }),
    ),
    days: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
        minItems: 1,
        maxItems: 7,
        description: 'ISO weekdays, 1 = Monday … 7 = Sunday',
      }),
    ),
    start: Type.String({ description: '"HH:MM", local' }),
    end: Type.String({ description: '"HH:MM", local; before start: runs past midnight' }),
  },
  { additionalProperties: false },
);

export const WorkspaceBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  maxConcurrentCalls: Type.Integer({ description: 'calls active at once, across the workspace' }),
  callsPerSecond: Type.Integer({ description: 'new attempts started per second, at most' }),
  timezone: Type.String({ description: 'IANA zone' }),
  frequencyCap: Type.Union([FrequencyCapBody, Type.Null()], {
    description: 'ext: attempts to one number in any rolling period, across batches; null: off',
  }),
  callingWindow: Type.Object(
    {
      timezone: Type.String(),
      days: Type.Array(Type.Integer()),
      start: Type.String(),
      end: Type.String(),
    },
    {
      description:
        'ext, legal floor: every call through a real carrier connection is placed inside it; ' +
        "a batch's window only narrows it. Simulator calls are exempt",
    },
  ),
  requireConsent: Type.Boolean({
    description: 'ext: rows without a non-empty consent_source are refused at upload',
  }),
  paused: Type.Boolean({
    description: 'ext: every batch is held by stop everything (POST /v1/api/workspace/pause)',
  }),
  pausedAt: Type.Optional(
    Type.Integer({ description: 'ext: when stop everything began (epoch ms)' }),
  ),
});
export type WorkspaceBody = Static<typeof WorkspaceBody>;

/** Any of the settings; nothing else. Applies to calls started afterwards. */
export const WorkspacePatchBody = Type.Object(
  {
    maxConcurrentCalls: Type.Optional(limit(`integer, 1 to ${WORKSPACE_LIMIT_MAX}`)),
    callsPerSecond: Type.Optional(limit(`integer, 1 to ${WORKSPACE_LIMIT_MAX}`)),
    timezone: Type.Optional(
      Type.String({ minLength: 1, description: 'an IANA zone, e.g. America/New_York' }),
    ),
    frequencyCap: Type.Optional(Type.Union([FrequencyCapBody, Type.Null()])),
    callingWindow: Type.Optional(CallingWindowBody),
    requireConsent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type WorkspacePatchBody = Static<typeof WorkspacePatchBody>;
