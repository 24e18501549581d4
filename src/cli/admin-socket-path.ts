import path from 'node:path';

// Where a running embedded server takes admin commands: a Unix socket in its data directory,
// mode 0600, so only the user who owns the data can reach it. Never a TCP port, which a webhook
// sender or a browser page on the same host could reach.

export const ADMIN_SOCKET_NAME = 'outdial.sock';

export const adminSocketFile = (dataDir: string) => path.join(dataDir, ADMIN_SOCKET_NAME);

/**
 * Longest socket path the kernel keeps (sun_path, less its terminating NUL). Node does not
 * refuse a longer one: it silently binds or connects to the truncated path.
 */
export const SUN_PATH_MAX = process.platform === 'linux' ? 107 : 103;

export type SocketAddress = { ok: true; path: string } | { ok: false; reason: string };

/**
 * The path to bind or connect to for `file`: the absolute one, or when that is too long, the
 * one relative to `cwd` (the usual case: ./data below the directory the command runs in).
 */
export function socketAddress(file: string, cwd: string, max = SUN_PATH_MAX): SocketAddress {
  const absolute = path.resolve(cwd, file);
  const relative = path.relative(cwd, absolute);
  for (const candidate of [absolute, relative]) {
    if (candidate !== '' && Buffer.byteLength(candidate) <= max)
      return { ok: true, path: candidate };
  }
  return {
    ok: false,
    reason:
      `the admin socket's path ${absolute} is ${Buffer.byteLength(absolute)} bytes, longer than ` +
      `a Unix socket allows (${max}), also from the current directory`,
  };
}
