import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_TWILIO_API_BASE_URL, loadConfig } from '../../src/config.js';

// §21 deployment settings: where carriers call back, and where Twilio's API is.

const load = (env: Record<string, string>) => loadConfig({ DATABASE_URL: 'memory://', ...env });

describe('telephony settings', () => {
  it('OUTDIAL_PUBLIC_URL: unset by default, kept without its trailing slash', () => {
    expect(load({}).publicUrl).toBeUndefined();
    expect(load({ OUTDIAL_PUBLIC_URL: ' ' }).publicUrl).toBeUndefined();
    expect(load({ OUTDIAL_PUBLIC_URL: 'https://calls.example.com/outdial/' }).publicUrl).toBe(
      'https://calls.example.com/outdial',
    );
  });

  it('OUTDIAL_TWILIO_API_BASE_URL: Twilio by default, or the address given', () => {
    expect(load({}).twilioApiBaseUrl).toBe(DEFAULT_TWILIO_API_BASE_URL);
    expect(DEFAULT_TWILIO_API_BASE_URL).toBe('https://api.twilio.com');
    expect(
      load({ OUTDIAL_TWILIO_API_BASE_URL: 'https://api.dublin.ie1.twilio.com/' }).twilioApiBaseUrl,
    ).toBe('https://api.dublin.ie1.twilio.com');
  });

  it('OUTDIAL_AGENT_REPORT_GRACE_MS: 30 s by default, 0 for no wait, never negative', () => {
    expect(load({}).agentReportGraceMs).toBe(30_000);
    expect(load({ OUTDIAL_AGENT_REPORT_GRACE_MS: '5000' }).agentReportGraceMs).toBe(5_000);
    expect(load({ OUTDIAL_AGENT_REPORT_GRACE_MS: '0' }).agentReportGraceMs).toBe(0);
    expect(() => load({ OUTDIAL_AGENT_REPORT_GRACE_MS: '-1' })).toThrow(ConfigError);
  });

  it('refuses what is not a plain http(s) address, naming the variable', () => {
    for (const [name, value] of [
      ['OUTDIAL_PUBLIC_URL', 'calls.example.com'],
      ['OUTDIAL_PUBLIC_URL', 'ftp://calls.example.com'],
      ['OUTDIAL_PUBLIC_URL', 'https://calls.example.com/?a=1'],
      ['OUTDIAL_TWILIO_API_BASE_URL', 'https://user:pw@api.twilio.com'],
    ] as const) {
      expect(() => load({ [name]: value }), value).toThrow(ConfigError);
      expect(() => load({ [name]: value }), value).toThrow(name);
    }
  });
});
