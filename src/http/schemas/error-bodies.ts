import { Type } from 'typebox';

// Error bodies are open (additionalProperties): the error handler and later middleware may add
// fields (`code`, `errors`, …) that a closed schema would silently drop.

/** The flat error body of every batch and agent endpoint. */
export const ErrorBody = Type.Object(
  {
    error: Type.String(),
    message: Type.Optional(Type.String()),
    code: Type.Optional(Type.String({ description: 'ext: a stable machine-readable code' })),
  },
  { additionalProperties: true },
);

export const BatchNotFoundBody = Type.Object(
  {
    error: Type.Literal('Batch not found'),
    message: Type.String(),
    id: Type.String({ description: 'the batch id that was asked for' }),
  },
  { additionalProperties: true },
);

export const CallNotFoundBody = Type.Object(
  { status: Type.Literal('not_found'), error: Type.Literal('Call not found') },
  { additionalProperties: true },
);

export const AgentNotFoundBody = Type.Object(
  { error: Type.Literal('Agent not found'), message: Type.String() },
  { additionalProperties: true },
);

/** 429 from the per-workspace rate limit: nested, unlike the flat bodies (contract, as documented). */
export const RateLimitedBody = Type.Object({
  error: Type.Object({
    code: Type.Literal('rate_limit_exceeded'),
    message: Type.String({ description: 'which limit, e.g. 600 requests per minute' }),
    reset_at: Type.String({ format: 'date-time', description: 'when the window reopens' }),
  }),
});
