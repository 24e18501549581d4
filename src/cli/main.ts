import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config.js';
import { DataDirLockedError } from '../storage/data-dir-lock.js';
import { CliError } from './cli-error.js';
import { registerClientCommands } from './client/register.js';
import { ListenError } from './listen-failure.js';

// The server, the database and the admin commands load only when their command runs: the HTTP
// client commands (`outdial batch …`) start without loading Fastify or the embedded database.
const admin = () => import('./admin.js');
const serve = () => import('./serve.js');
const dbTransfer = () => import('./db-transfer.js');

const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer >= 0');
  return n;
};

const program = new Command('outdial')
  .description(
    'Batch outbound calls by AI voice agents. Configuration comes from the environment ' +
      '(see docs/configuration.md): DATABASE_URL unset = embedded database in ./data.',
  )
  .showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP API and dialing workers in this process')
  .option('--workers <n>', 'dispatcher loops in this process (0 = API only)', count, 1)
  .action(async (o: { workers: number }) =>
    (await serve()).runServer({ workers: o.workers, api: true }),
  );

program
  .command('worker')
  .description('run dialing workers only (scale-out on PostgreSQL)')
  .option('--workers <n>', 'dispatcher loops in this process', count, 1)
  .action(async (o: { workers: number }) =>
    (await serve()).runServer({ workers: Math.max(1, o.workers), api: false }),
  );

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => (await admin()).runMigrate());

program
  .command('export-db')
  .description('write the whole database to one file (backups, moving to PostgreSQL)')
  .requiredOption('--out <file>', 'the file to write (0600; .gz compresses); - for stdout')
  .action(async (o: { out: string }) => (await dbTransfer()).exportDb(o.out));

program
  .command('import-db')
  .description('load a file written by export-db into an empty database')
  .requiredOption('--in <file>', 'the file to read (gzip or not); - for stdin')
  .action(async (o: { in: string }) => (await dbTransfer()).importDb(o.in));

const workspaces = program.command('workspaces').description('manage workspaces');
workspaces
  .command('create')
  .description('create a workspace and print it')
  .requiredOption('--name <name>', 'display name')
  .action(async (o: { name: string }) => (await admin()).createWorkspace(o.name));
workspaces
  .command('list')
  .description('list workspaces')
  .action(async () => (await admin()).printWorkspaces());

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('create an API key for a workspace and print it (shown once)')
  .requiredOption('--workspace <id>', 'workspace id (ws_…)')
  .option('--name <name>', 'a label for the key')
  .action(async (o: { workspace: string; name?: string }) =>
    (await admin()).createKey(o.workspace, o.name),
  );
keys
  .command('list')
  .description("list a workspace's keys (prefix only)")
  .requiredOption('--workspace <id>', 'workspace id (ws_…)')
  .action(async (o: { workspace: string }) => (await admin()).printKeys(o.workspace));
keys
  .command('revoke')
  .description('revoke an API key at once')
  .argument('<keyId>', 'key id (key_…)')
  .action(async (id: string) => (await admin()).revokeKey(id));

registerClientCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (
    err instanceof ConfigError ||
    err instanceof DataDirLockedError ||
    err instanceof CliError ||
    err instanceof ListenError
  ) {
    process.stderr.write(`outdial: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
