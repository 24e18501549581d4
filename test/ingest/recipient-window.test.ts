import { expect, it } from 'vitest';
import { updateWorkspaceSettings } from '../../src/storage/workspaces-repo.js';
import { describeEachDb } from '../support/databases.js';
import { storedCalls, useUploadSuite } from './upload-harness.js';

// §1 ext: a "recipient" calling window is read in each number's own zone when its range has one
// zone, else in the workspace's. The app's clock stands at Monday 2026-01-05 15:00 UTC: 10:00 in
// New York, 07:00 in Los Angeles, 15:00 in London, 00:00 Tuesday in Tokyo.

const WINDOW = '{"timezone":"recipient","days":[1,2,3,4,5],"start":"09:00","end":"17:00"}';

describeEachDb('recipient calling windows at upload', (backend) => {
  const s = useUploadSuite(backend);

  it("stores each call with its number's zone, or the workspace's, and its first due time", async () => {
    await updateWorkspaceSettings(s.t.db, s.tenant.workspaceId, { timezone: 'Asia/Tokyo' });
    const csv =
      'phone_number,first_name\n' +
      '+1 212 555 0147,Ann\n' + // New York
      '+44 20 7946 0958,Ben\n' + // London
      '+1 310 555 0110,Cal\n' + // Los Angeles
      '+1 800 555 0199,Dee\n' + // toll-free: every North American zone
      '+15005550001,Eve\n'; // the simulator's reserved range: every North American zone
    const res = await s.post({ agentId: s.tenant.agentId, callingWindow: WINDOW }, csv);
    expect(res.statusCode).toBe(200);
    const now = s.h.clock.now();
    const calls = await storedCalls(s.t.db, res.json().batchId);
    expect(calls.map((c) => [c.phone_number, c.time_zone, c.run_at])).toEqual([
      ['+12125550147', 'America/New_York', now],
      ['+442079460958', 'Europe/London', now],
      ['+13105550110', 'America/Los_Angeles', Date.UTC(2026, 0, 5, 17, 0)],
      ['+18005550199', 'Asia/Tokyo', Date.UTC(2026, 0, 6, 0, 0)],
      ['+15005550001', 'Asia/Tokyo', Date.UTC(2026, 0, 6, 0, 0)],
    ]);
  });

  it('does the same for a JSON recipients list', async () => {
    const res = await s.h.app.inject({
      method: 'POST',
      url: '/v1/api/batch-calls',
      headers: s.tenant.headers,
      payload: {
        agentId: s.tenant.agentId,
        callingWindow: JSON.parse(WINDOW),
        recipients: [{ phone_number: '+12125550147' }, { phone_number: '+18005550199' }],
      },
    });
    expect(res.statusCode).toBe(200);
    const calls = await storedCalls(s.t.db, res.json().batchId);
    // The suite resets the workspace to UTC before each test: 15:00 UTC Monday is inside 09–17.
    expect(calls.map((c) => [c.time_zone, c.run_at])).toEqual([
      ['America/New_York', s.h.clock.now()],
      ['UTC', s.h.clock.now()],
    ]);
  });

  it('a window with a named zone applies that zone to every number, which keeps its own', async () => {
    // 15:00 UTC Monday is 16:00 in Berlin: inside 09–17 there, whatever the numbers' zones; from
    // 16:30 UTC (17:30 Berlin) both wait for 09:00 Berlin time.
    const window = '{"timezone":"Europe/Berlin","days":[1,2,3,4,5],"start":"09:00","end":"16:30"}';
    const res = await s.post(
      { agentId: s.tenant.agentId, callingWindow: window },
      'phone_number\n+12125550147\n+442079460958\n',
    );
    expect(res.statusCode).toBe(200);
    const calls = await storedCalls(s.t.db, res.json().batchId);
    expect(calls.map((c) => [c.time_zone, c.run_at])).toEqual([
      ['America/New_York', s.h.clock.now()],
      ['Europe/London', s.h.clock.now()],
    ]);
    await s.h.clock.advance(90 * 60_000);
    const later = await s.post(
      { agentId: s.tenant.agentId, callingWindow: window },
      'phone_number\n+12125550147\n+442079460958\n',
    );
    expect(later.statusCode).toBe(200);
    const held = await storedCalls(s.t.db, later.json().batchId);
    expect(held.map((c) => c.run_at)).toEqual([
      Date.UTC(2026, 0, 6, 8, 0),
      Date.UTC(2026, 0, 6, 8, 0),
    ]);
  });
});
