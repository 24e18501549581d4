import { describe, expect, it } from 'vitest';
import { webhookBody, webhookBodyOfJson, withField } from '../../src/domain/webhook-event-types.js';

// The events' bodies are written from a call's JSON shared by its events: the text must be exactly
// what JSON.stringify gives for the whole object, since it is what is signed and what a receiver
// compares with the API's answer.

const AT = Date.UTC(2026, 0, 5, 15, 0, 0, 123);
const DATA = [
  {},
  { jobId: 'call_1', status: 'completed', variables: { name: 'Zoë "Z" \\ <b>' } },
  { transcript: 'line 1\nline 2\u2028', attempts: 2, result: null },
];

describe('webhook bodies written from JSON', () => {
  it('webhookBodyOfJson and webhookBody are the text JSON.stringify gives for the whole body', () => {
    for (const data of DATA) {
      const whole = JSON.stringify({
        type: 'call.completed',
        timestamp: new Date(AT).toISOString(),
        data,
      });
      expect(webhookBodyOfJson('call.completed', AT, JSON.stringify(data))).toBe(whole);
      expect(webhookBody('call.completed', AT, data)).toBe(whole);
    }
  });

  it('withField is the text of the object with the field added last', () => {
    const attempt = { attemptNo: 2, reason: 'busy', startTime: 1, endTime: 2 };
    for (const data of DATA) {
      expect(withField(JSON.stringify(data), 'attempt', attempt)).toBe(
        JSON.stringify({ ...data, attempt }),
      );
      expect(withField(JSON.stringify(data), 'attempt', undefined)).toBe(JSON.stringify(data));
    }
  });
});
