import { afterEach, expect, it } from 'vitest';
import { credentialsContext } from '../../src/domain/connection.js';
import { resolveKeySecret } from '../../src/security/key-secret.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { insertBatch } from '../support/batch-fixtures.js';
import { createTestDb, describeEachDb, type TestDb } from '../support/databases.js';
import { closeApp, createTestApp, seedTenant, type Tenant, type TestApp } from '../support/http.js';
import { startTwilioStandIn, type TwilioStandIn } from '../support/twilio-stand-in.js';

// §21 connections: a workspace's Twilio account, its numbers checked with Twilio (the stand-in,
// which checks every request against Twilio's API description), credentials write-only and
// sealed under a key outside the database.

const T0 = Date.UTC(2026, 0, 5, 15, 0, 0);
const OWNED = '+14155550100';
const VERIFIED = '+14155550199';
const STRANGER = '+14155550777';
const CONN_ID = /^conn_[0-9a-z]{26}$/;

describeEachDb('telephony connections (§21)', (backend) => {
  let t: TestDb;
  let h: TestApp;
  let a: Tenant;
  let twilio: TwilioStandIn;
  let keySecret: string;
  afterEach(async () => {
    expect(twilio.violations).toEqual([]);
    await twilio.close();
    await closeApp(h, t);
  });

  async function setup(overrides: Record<string, unknown> = {}) {
    twilio = await startTwilioStandIn({ incomingNumbers: [OWNED], callerIds: [VERIFIED] });
    t = await createTestDb(backend);
    a = await seedTenant(t.db, T0, 'A');
    // The seeded key was hashed under a secret kept in the database; naming it as
    // OUTDIAL_KEY_SECRET moves it out, as an operator does before storing credentials.
    keySecret = (await resolveKeySecret(t.db)).toString();
    h = await createTestApp(t.db, {
      publicUrl: 'https://outdial.example.com',
      twilioApiBaseUrl: twilio.url,
      keySecret,
      ...overrides,
    });
  }

  const body = (over: Record<string, unknown> = {}) => ({
    provider: 'twilio',
    name: 'Main line',
    credentials: { accountSid: twilio.accountSid, authToken: twilio.authToken },
    fromNumbers: [OWNED, VERIFIED],
    callsPerSecond: 5,
    ...over,
  });

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, json?: unknown) => {
    const res = await h.app.inject({
      method,
      url: `/v1/api/telephony/connections${url}`,
      headers: a.headers,
      ...(json === undefined ? {} : { payload: json as object }),
    });
    // Whatever the answer, the token is never in it.
    expect(res.body).not.toContain(twilio.authToken);
    return { status: res.statusCode, body: res.json() };
  };

  const storedRows = () =>
    t.db.query<{ id: string; credentials_sealed: string | null; account: string }>(
      'SELECT id, credentials_sealed, account FROM telephony_connections ORDER BY id',
    );

  it('POST: 201 without the credentials, sealed at rest; GET and list show the same', async () => {
    await setup();
    const res = await call('POST', '', { ...body(), color: 'ignored' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: res.body.id,
      provider: 'twilio',
      name: 'Main line',
      fromNumbers: [OWNED, VERIFIED],
      callsPerSecond: 5,
      createdAt: T0,
    });
    expect(res.body.id).toMatch(CONN_ID);
    expect(await call('GET', `/${res.body.id}`)).toEqual({ status: 200, body: res.body });
    expect(await call('GET', '')).toEqual({ status: 200, body: { connections: [res.body] } });

    // Both numbers were asked about with the account's own credentials (the stand-in refuses
    // others); the verified caller ID is found among the caller IDs.
    const asked = twilio.requests.map(
      (r) => `${r.template.split('/').pop()} ${r.query['PhoneNumber']}`,
    );
    expect(asked).toEqual([
      `IncomingPhoneNumbers.json ${OWNED}`,
      `IncomingPhoneNumbers.json ${VERIFIED}`,
      `OutgoingCallerIds.json ${VERIFIED}`,
    ]);

    const [row] = await storedRows();
    expect(row!.account).toBe(twilio.accountSid);
    expect(row!.credentials_sealed).not.toContain(twilio.authToken);
    const opened = new SecretBox(Buffer.from(keySecret)).open(
      row!.credentials_sealed!,
      credentialsContext(res.body.id),
    );
    expect(JSON.parse(opened)).toEqual({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
    });
  });

  it("callsPerSecond defaults to 1, Twilio's own default", async () => {
    await setup();
    const { callsPerSecond: _, ...rest } = body();
    const res = await call('POST', '', rest);
    expect(res.status).toBe(201);
    expect(res.body.callsPerSecond).toBe(1);
  });

  it("a number that is not the account's: 400 naming it, nothing stored", async () => {
    await setup();
    const res = await call('POST', '', body({ fromNumbers: [OWNED, STRANGER] }));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'Number not in account',
      message: `${STRANGER} is neither an incoming number nor a verified caller ID of this Twilio account`,
      numbers: [STRANGER],
    });
    expect(await storedRows()).toEqual([]);
  });

  it('credentials Twilio refuses: 400, nothing stored, the token not echoed', async () => {
    await setup();
    const res = await call(
      'POST',
      '',
      body({ credentials: { accountSid: twilio.accountSid, authToken: 'wrong-token' } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('Invalid credentials');
    expect(res.body.message).toMatch(/20003/);
    expect(JSON.stringify(res.body)).not.toContain('wrong-token');
    expect(await storedRows()).toEqual([]);
  });

  it('Twilio unreachable or failing: 502, nothing stored', async () => {
    await setup();
    twilio.failNext(500, 20500, 'Internal Server Error');
    const failing = await call('POST', '', body());
    expect(failing).toEqual({
      status: 502,
      body: {
        error: 'Carrier unavailable',
        message: 'Twilio answered 500 (20500): Internal Server Error',
      },
    });
    await twilio.close();
    const gone = await call('POST', '', body());
    expect(gone).toEqual({
      status: 502,
      body: { error: 'Carrier unavailable', message: 'Twilio could not be reached' },
    });
    expect(await storedRows()).toEqual([]);
    twilio = await startTwilioStandIn();
  });

  it('OUTDIAL_PUBLIC_URL unset: 400 Public URL not configured, Twilio not asked', async () => {
    await setup({ publicUrl: undefined });
    const res = await call('POST', '', body());
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'Public URL not configured',
      message: expect.stringContaining('OUTDIAL_PUBLIC_URL'),
    });
    expect(twilio.requests).toEqual([]);
  });

  it('no key outside the database: 409 with how to set one, nothing stored', async () => {
    await setup({ keySecret: undefined, keyFile: undefined });
    const res = await call('POST', '', body());
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: 'No encryption key',
      message: expect.stringContaining('OUTDIAL_KEY_SECRET'),
    });
    expect(await storedRows()).toEqual([]);
  });

  it('invalid fields: 400 by path, values never echoed', async () => {
    await setup();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ provider: 'vonage' }, /body\/provider/],
      [{ name: ' ' }, /body\/name/],
      [{ credentials: { accountSid: 'XX123', authToken: 'secret-xyz' } }, /accountSid/],
      [{ credentials: { accountSid: `AC${'0'.repeat(32)}` } }, /authToken/],
      [{ fromNumbers: [] }, /fromNumbers/],
      [{ fromNumbers: ['4155550100'] }, /fromNumbers\/0/],
      [{ fromNumbers: [OWNED, OWNED] }, /fromNumbers/],
      [{ callsPerSecond: 0 }, /callsPerSecond/],
      [{ callsPerSecond: '2' }, /callsPerSecond/],
    ];
    for (const [over, path] of cases) {
      const res = await call('POST', '', body(over));
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.body.message).toMatch(path);
      expect(JSON.stringify(res.body)).not.toContain('secret-xyz');
    }
    expect(await storedRows()).toEqual([]);
    expect(twilio.requests).toEqual([]);
  });

  it('PATCH: name and pace at once; new numbers and credentials are checked first', async () => {
    await setup();
    const created = (await call('POST', '', body({ fromNumbers: [OWNED] }))).body;
    await h.clock.advance(1_000);
    const renamed = await call('PATCH', `/${created.id}`, { name: 'Sales', callsPerSecond: 2 });
    expect(renamed).toEqual({
      status: 200,
      body: { ...created, name: 'Sales', callsPerSecond: 2 },
    });

    twilio.requests.length = 0;
    const stranger = await call('PATCH', `/${created.id}`, { fromNumbers: [OWNED, STRANGER] });
    expect(stranger.status).toBe(400);
    expect(stranger.body.numbers).toEqual([STRANGER]);
    // Checked with the stored credentials, opened for this connection.
    expect(twilio.requests.length).toBeGreaterThan(0);
    const more = await call('PATCH', `/${created.id}`, { fromNumbers: [VERIFIED, OWNED] });
    expect(more.body.fromNumbers).toEqual([VERIFIED, OWNED]);

    const refused = await call('PATCH', `/${created.id}`, {
      credentials: { accountSid: twilio.accountSid, authToken: 'rotated-but-wrong' },
    });
    expect(refused.status).toBe(400);
    const [before] = await storedRows();
    const rotated = await call('PATCH', `/${created.id}`, {
      credentials: { accountSid: twilio.accountSid, authToken: twilio.authToken },
    });
    expect(rotated.status).toBe(200);
    const [after] = await storedRows();
    // Resealed with a fresh IV: a new value that opens to the same credentials.
    expect(after!.credentials_sealed).not.toBe(before!.credentials_sealed);

    expect((await call('PATCH', `/${created.id}`, {})).status).toBe(400);
    expect((await call('PATCH', `/${created.id}`, { fromNumbers: [] })).status).toBe(400);
    expect((await call('PATCH', '/conn_unknown', { name: 'x' })).status).toBe(404);
  });

  it('DELETE: erases the credentials; 409 while an agent with a live batch uses it', async () => {
    await setup();
    const created = (await call('POST', '', body())).body;
    await t.db.query('UPDATE agents SET connection_id = $1 WHERE id = $2', [created.id, a.agentId]);
    const batch = await insertBatch(t.db, {
      workspaceId: a.workspaceId,
      agentId: a.agentId,
      createdAt: T0,
      status: 'processing',
      calls: [{ state: 'waiting' }],
    });
    const busy = await call('DELETE', `/${created.id}`);
    expect(busy.status).toBe(409);
    expect(busy.body.error).toBe('Connection in use');

    await t.db.query("UPDATE batches SET status = 'completed' WHERE id = $1", [batch.id]);
    expect(await call('DELETE', `/${created.id}`)).toEqual({
      status: 200,
      body: { id: created.id, deleted: true },
    });
    expect((await storedRows())[0]!.credentials_sealed).toBeNull();
    expect(await call('GET', `/${created.id}`)).toEqual({
      status: 404,
      body: { error: 'Connection not found', message: `No connection with id ${created.id}` },
    });
    expect((await call('GET', '')).body).toEqual({ connections: [] });
    expect((await call('DELETE', `/${created.id}`)).status).toBe(404);
  });
});
