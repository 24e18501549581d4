import type { NewAgent } from '../storage/agents-repo.js';

/** The agent created on first start, so a new user can run a batch without writing one. */
export function demoAgent(id: string, workspaceId: string, now: number): NewAgent {
  return {
    id,
    workspaceId,
    name: 'Ava (demo)',
    greeting: 'Hello {first_name}, this is Ava from Acme Dental.',
    prompt:
      "You are Ava, a friendly assistant for Acme Dental. Confirm {first_name}'s appointment on " +
      '{appointment_date} and offer to reschedule if the time does not suit.',
    provider: 'simulator',
    smartCallback: false,
    maxAttemptsForSmartCallback: 5,
    gapBetweenEachAttemptForSmartCallback: [],
    now,
  };
}
