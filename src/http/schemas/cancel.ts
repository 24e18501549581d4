import { type Static, Type } from 'typebox';

// §6–§8 of the contract: cancel a batch, one job, or one phone number's jobs.

export const CancelCallParams = Type.Object({ batchId: Type.String(), jobId: Type.String() });

export const CancelContactParams = Type.Object({
  batchId: Type.String(),
  phone: Type.String({ description: 'URL-encoded (%2B for +), normalised as on upload' }),
});

/** §6 `DELETE /batch-calls/{batchId}`. */
export const BatchCancelledBody = Type.Object({
  batchId: Type.String(),
  status: Type.Literal('cancelled'),
  message: Type.Literal('Batch cancelled successfully'),
  details: Type.Object({
    completedCalls: Type.Integer(),
    failedCalls: Type.Integer(),
    cancelledCalls: Type.Integer({
      description: 'every cancelled job of the batch: none of them will be dialed',
    }),
    activeCalls: Type.Integer({
      description: 'ext: jobs still finishing; they end completed or failed, without retries',
    }),
    totalCalls: Type.Integer(),
  }),
});
export type BatchCancelledBody = Static<typeof BatchCancelledBody>;

/** §7 `DELETE /batch-calls/{batchId}/calls/{jobId}`. */
export const CallCancelledBody = Type.Object({
  jobId: Type.String(),
  status: Type.Literal('cancelled'),
  message: Type.Literal('Call cancelled'),
});

/** §8 `DELETE /batch-calls/{batchId}/contacts/{phone}`. */
export const ContactCancelledBody = Type.Object({
  phone_number: Type.String({ description: 'the number as normalised (E.164)' }),
  cancelledCalls: Type.Integer({
    description: 'waiting jobs of that number now cancelled (0: its jobs had already ended)',
  }),
});

export const ContactNotFoundBody = Type.Object(
  { error: Type.Literal('Contact not found'), message: Type.String() },
  { additionalProperties: true },
);
