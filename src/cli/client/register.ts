// The client commands on `outdial`: `batch start|status|list|calls|export|cancel` and `validate`,
// talking to a running server over HTTP. Every one takes the connection flags and --json; usage
// mistakes exit 2, failures 1 with one line on stderr (see exit-codes.ts).
import { type Command, InvalidArgumentError } from 'commander';
import { ConfigError, DEFAULT_SERVER_URL, loadClientConfig } from '../../config.js';
import { ClientError } from './client-error.js';
import type { CommandContext } from './command-context.js';
import { batchCancel } from './commands/batch-cancel.js';
import { batchExport } from './commands/batch-export.js';
import { batchCalls, batchList } from './commands/batch-list.js';
import { batchStart } from './commands/batch-start.js';
import { batchStatus } from './commands/batch-status.js';
import { validateFile } from './commands/validate.js';
import { type ConnectionFlags, resolveConnection } from './connection.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { ApiClient } from './http-client.js';
import { jsonLine, processOutput } from './output.js';

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be an integer >= 1');
  return n;
};

const EXIT_CODES_HELP = `
Exit codes: 0 done (a followed batch: every call completed), 1 error (server unreachable, key
refused, the API's 4xx/5xx), 2 usage, 3 a followed batch had failed calls (validate: rows with
errors), 4 a followed batch was cancelled (wins over 3), 130 Ctrl-C while following.`;

const CONNECTION_HELP = `
The server, key and workspace come from OUTDIAL_URL (default ${DEFAULT_SERVER_URL}),
OUTDIAL_API_KEY and OUTDIAL_WORKSPACE_ID, or the flags. On a terminal the output is for reading;
piped or with --json it is the API's JSON answer.`;

/** Options every client command takes. */
function clientOptions(cmd: Command): Command {
  return cmd
    .option('--json', "print the API's JSON answer, also on a terminal")
    .option('--url <url>', `the server's address (OUTDIAL_URL; default ${DEFAULT_SERVER_URL})`)
    .option(
      '--api-key <key>',
      'API key (OUTDIAL_API_KEY; prefer the variable: a flag shows in `ps` and shell history)',
    )
    .option('--workspace <id>', 'workspace id, ws_… (OUTDIAL_WORKSPACE_ID)')
    .addHelpText('after', CONNECTION_HELP + EXIT_CODES_HELP);
}

type ClientRun<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Promise<ExitCode>;

/**
 * A commander action running `run` with the connection its flags and the environment name, and
 * reporting a ClientError as `outdial: <message>` (plus the API's body on stdout with --json).
 */
function clientAction<A extends unknown[]>(run: ClientRun<A>) {
  return async (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    const flags = cmd.opts<ConnectionFlags & { json?: boolean }>();
    const out = processOutput(flags.json === true);
    try {
      const conn = resolveConnection(loadClientConfig(), flags);
      const ctx = { client: new ApiClient(conn), out };
      process.exitCode = await run(ctx, ...(args.slice(0, -1) as A));
    } catch (err) {
      if (err instanceof ConfigError) {
        out.err(`outdial: ${err.message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      if (!(err instanceof ClientError)) throw err;
      if (out.json && err.apiBody !== undefined) out.out(jsonLine(err.apiBody));
      out.err(`outdial: ${err.message}\n${err.details.map((d) => `  ${d}\n`).join('')}`);
      process.exitCode = err.exitCode;
    }
  };
}

/** Commander's usage errors exit 2 here (1 means the server said no); help and version exit 0. */
function usageExit(cmd: Command): Command {
  return cmd.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
  });
}

export function registerClientCommands(program: Command): void {
  const batch = usageExit(
    program
      .command('batch')
      .description('start, follow, list, export and cancel batches on a running server (HTTP)'),
  );

  clientOptions(
    batch
      .command('start')
      .description('upload a contacts CSV and start a batch (optionally follow it to its end)')
      .argument(
        '<file>',
        'the contacts CSV (as `curl -F file=@…` sends it; the server limit applies)',
      )
      .requiredOption('--agent <id>', 'the agent that makes the calls (agent_…)')
      .option('--name <name>', 'a name to recognise the batch by')
      .option(
        '--schedule <time>',
        'start dialing then: ISO-8601 with a zone, e.g. 2026-05-04T09:00:00Z',
      )
      .option(
        '--skip-invalid-rows',
        'start with the valid rows and list the others (default: any bad row refuses the file)',
      )
      .option('--default-country <code>', 'country of numbers written without +, e.g. US')
      .option(
        '--column-map <map>',
        'columns by variable: phone_number=Mobile,first_name=Vorname (or JSON)',
      )
      .option('--max-concurrency <n>', "cap on this batch's calls at once", positiveInt)
      .option(
        '--calling-window <json>',
        'when calls may be made, e.g. {"timezone":"recipient","days":[1,2,3,4,5],"start":"09:00","end":"20:00"}',
      )
      .option(
        '--smart-callback <json>',
        'retry plan, e.g. {"enabled":true,"maxAttempts":3,"gaps":[{"days":0,"hours":2}]}',
      )
      .option(
        '--strict-variables',
        "refuse the file when no column provides a variable the agent's script uses",
      )
      .option(
        '--idempotency-key <key>',
        'the same key within 24 h returns the first batch instead of starting another',
      )
      .option('--follow', 'show progress until the batch ends (the exit code tells how it ended)'),
  ).action(clientAction(batchStart));

  clientOptions(
    batch
      .command('status')
      .description("a batch's status and progress, with its latest finished calls")
      .argument('<batchId>', 'batch id (batch_…)')
      .option('--follow', 'show progress until the batch ends (the exit code tells how it ended)'),
  ).action(clientAction(batchStatus));

  clientOptions(
    batch
      .command('list')
      .description('the batches of the workspace, newest first')
      .option('--page <n>', 'page number', positiveInt)
      .option('--limit <n>', 'batches per page (at most 100)', positiveInt)
      .option('--status <status>', 'only queued, processing, completed, cancelled or failed ones'),
  ).action(clientAction(batchList));

  clientOptions(
    batch
      .command('calls')
      .description("a batch's calls in CSV order")
      .argument('<batchId>', 'batch id (batch_…)')
      .option('--page <n>', 'page number', positiveInt)
      .option('--limit <n>', 'calls per page (at most 100)', positiveInt)
      .option('--status <status>', 'only waiting, active, completed, failed or cancelled ones'),
  ).action(clientAction(batchCalls));

  clientOptions(
    batch
      .command('export')
      .description("a batch's results as CSV (one row per call, with transcripts)")
      .argument('<batchId>', 'batch id (batch_…)')
      .option(
        '-o, --output <file>',
        'write to this file instead of stdout (it appears once complete)',
      ),
  ).action(clientAction(batchExport));

  clientOptions(
    batch
      .command('cancel')
      .description('cancel a batch: waiting calls are never dialed, calls in progress finish')
      .argument('<batchId>', 'batch id (batch_…)'),
  ).action(clientAction(batchCancel));

  clientOptions(
    usageExit(
      program
        .command('validate')
        .description('check a contacts CSV row by row on the server, storing nothing')
        .argument('<file>', 'the contacts CSV')
        .option('--agent <id>', "also check the columns the agent's script uses (agent_…)")
        .option('--default-country <code>', 'country of numbers written without +, e.g. US')
        .option(
          '--column-map <map>',
          'columns by variable: phone_number=Mobile,first_name=Vorname (or JSON)',
        )
        .option(
          '--strict-variables',
          'refuse the file (400) when no column provides a variable the agent uses',
        ),
    ),
  ).action(clientAction(validateFile));
}
