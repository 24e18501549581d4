import { describe, expect, it } from 'vitest';
import { recipientZone } from '../../src/domain/recipient-zone.js';

const WORKSPACE = 'Asia/Tokyo';

describe('recipientZone', () => {
  it("takes the number's zone when it has exactly one", () => {
    expect(recipientZone(['America/New_York'], WORKSPACE)).toBe('America/New_York');
    expect(recipientZone(['Europe/London', 'Europe/London'], WORKSPACE)).toBe('Europe/London');
  });

  it("falls back to the workspace's zone when the number spans several zones", () => {
    expect(recipientZone(['Europe/Guernsey', 'Europe/London'], WORKSPACE)).toBe(WORKSPACE);
    expect(
      recipientZone(['America/Chicago', 'America/New_York', 'Pacific/Honolulu'], WORKSPACE),
    ).toBe(WORKSPACE);
  });

  it("falls back to the workspace's zone when the number has no zone", () => {
    expect(recipientZone(null, WORKSPACE)).toBe(WORKSPACE);
    expect(recipientZone([], WORKSPACE)).toBe(WORKSPACE);
  });

  it('falls back when the single zone is not one the runtime knows', () => {
    expect(recipientZone(['Mars/Olympus_Mons'], WORKSPACE)).toBe(WORKSPACE);
    expect(recipientZone([''], WORKSPACE)).toBe(WORKSPACE);
  });
});
