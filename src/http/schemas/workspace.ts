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

export const WorkspaceBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  maxConcurrentCalls: Type.Integer({ description: 'calls active at once, across the workspace' }),
  callsPerSecond: Type.Integer({ description: 'new attempts started per second, at most' }),
  timezone: Type.String({ description: 'IANA zone' }),
  frequencyCap: Type.Union([FrequencyCapBody, Type.Null()], {
    description: 'ext: attempts to one number in any rolling period, across batches; null: off',
  }),
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
  },
  { additionalProperties: false, minProperties: 1 },
);
export type WorkspacePatchBody = Static<typeof WorkspacePatchBody>;
