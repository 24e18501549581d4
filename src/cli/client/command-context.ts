import type { ApiClient } from './http-client.js';
import type { Output } from './output.js';

/** What every client command runs with: the server to ask, and where to write. */
export interface CommandContext {
  client: ApiClient;
  out: Output;
}
