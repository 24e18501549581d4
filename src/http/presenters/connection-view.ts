import type { Connection } from '../../domain/connection.js';
import type { ConnectionBody } from '../schemas/telephony-connections.js';

/** A connection as §21 shows it: never its credentials, nor the account they belong to. */
export const presentConnection = (c: Connection): ConnectionBody => ({
  id: c.id,
  provider: c.provider,
  name: c.name,
  fromNumbers: c.fromNumbers,
  callsPerSecond: c.callsPerSecond,
  createdAt: c.createdAt,
});
