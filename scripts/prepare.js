// npm's `prepare`: `npm install` and `npm ci` build the project (dist/ and the dashboard).
// `npx outdial …` in the checkout runs it too: npm installs the project into its npx cache to link
// its bin, with npm_command=exec. That must not rebuild dist/ under a server running from it (a
// module it loads later would be read half-written), so then it builds only what is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (process.env.npm_command === 'exec' && existsSync('dist/cli/main.js')) process.exit(0);

const npm = process.env.npm_execpath;
const run = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(run.status ?? 1);
