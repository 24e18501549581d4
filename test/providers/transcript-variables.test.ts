import { describe, expect, it } from 'vitest';
import { simulatedTranscript } from '../../src/providers/simulator/transcript.js';

// The simulator renders templates with the same variable lookup as ingest's checks: a CRM
// column `First Name` is {first_name}, in the greeting, the prompt and the callee's lines.

const agent = {
  id: 'agent_1',
  name: 'Ava',
  greeting: 'Hello {first_name}, this is Ava from Acme.',
  prompt: 'Confirm the appointment of {first_name} {last_name} on {appointment_date}.',
};

describe('simulated transcript variables', () => {
  it('finds columns by alias: First Name, Last-Name, E-Mail', () => {
    const text = simulatedTranscript({
      agent,
      variables: {
        'First Name': 'José',
        'Last-Name': 'García',
        'Appointment Date': 'Tuesday',
        'E-Mail': 'jose@example.com',
      },
      outcome: 'successful',
      extraTurns: 19,
      seed: 'alias',
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Agent: Hello José, this is Ava from Acme.');
    expect(lines[1]).toBe('Customer: Hi, yes, this is José.');
    expect(lines[2]).toBe(
      "Agent: I'm calling to confirm the appointment of José García on Tuesday.",
    );
    // The email exchange reads the alias too, and the name is not read back as a detail.
    expect(text).toContain("Yes, we'll send it to jose@example.com.");
    expect(text).toContain('Of course. I have Last Name García, ');
    expect(text).not.toContain('First Name José');
  });
});
