import { expect, it } from 'vitest';
import {
  DEFAULT_RATES,
  RETRIED_REASONS,
  SMART_RETRIED_OUTCOMES,
} from '../../src/domain/estimate-assumptions.js';
import { calleePlan } from '../../src/providers/simulator/behaviour.js';

// The estimate's stated defaults are the simulator's mix of callees (contract: "about 65 %
// answered, …"): drawn here from the simulator itself, so neither can drift from the other.

it("the estimate's default rates are the simulator's mix of callees", () => {
  let attempts = 0;
  let seconds = 0;
  let answered = 0;
  let retried = 0;
  let smartOnly = 0;
  for (let i = 0; i < 20_000; i++) {
    const phone = `+1212${String(3_000_000 + i * 41).padStart(7, '0')}`;
    for (let attemptNo = 1; attemptNo <= 2; attemptNo++) {
      const p = calleePlan(phone, attemptNo);
      attempts++;
      seconds += p.ringSec + p.talkSec;
      if (p.reason === 'answered') answered++;
      if (RETRIED_REASONS.includes(p.reason)) retried++;
      const smart =
        p.reason === 'voicemail' ||
        (p.reason === 'answered' &&
          p.outcome !== undefined &&
          SMART_RETRIED_OUTCOMES.includes(p.outcome));
      if (smart) smartOnly++;
    }
  }
  expect(seconds / attempts).toBeGreaterThan(DEFAULT_RATES.meanCallSec * 0.97);
  expect(seconds / attempts).toBeLessThan(DEFAULT_RATES.meanCallSec * 1.03);
  expect(answered / attempts).toBeCloseTo(DEFAULT_RATES.answerRate, 1);
  expect(Math.abs(answered / attempts - DEFAULT_RATES.answerRate)).toBeLessThan(0.01);
  expect(Math.abs(retried / attempts - DEFAULT_RATES.retryRate)).toBeLessThan(0.01);
  expect(Math.abs((retried + smartOnly) / attempts - DEFAULT_RATES.smartRetryRate)).toBeLessThan(
    0.01,
  );
});
