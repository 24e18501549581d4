import { statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { insufficientStorage } from '../domain/errors.js';
import {
  type DiskStatus,
  diskStatus,
  megabytesDown,
  megabytesUp,
  minFreeBytes,
  roomForUpload,
  type UploadSize,
} from './disk-budget.js';

// The free space of the embedded database's disk: measured before an upload is stored, reported
// by /readyz and /metrics, and watched by the server. PostgreSQL's disk belongs to its server,
// out of sight here: there, a full disk is PostgreSQL's `disk_full` error (answered 507).

type DiskConfig = Pick<Config, 'database' | 'minFreeDiskMb'>;

export interface DiskSpace {
  /** The data directory whose filesystem is measured. */
  path: string;
  /** Bytes an unprivileged process may still write there. */
  freeBytes: number;
  /** Space kept free whatever is stored: a WAL segment and OUTDIAL_MIN_FREE_DISK_MB. */
  minFreeBytes: number;
  status: DiskStatus;
}

/** The directory holding the embedded database on disk; none for memory:// and PostgreSQL. */
export const embeddedDataDir = (config: Pick<Config, 'database'>): string | undefined =>
  config.database.kind === 'pglite-dir' ? config.database.dataDir : undefined;

export async function freeBytesIn(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** The data directory's disk space now, or undefined when the database is not on a local disk. */
export async function readDiskSpace(config: DiskConfig): Promise<DiskSpace | undefined> {
  const path = embeddedDataDir(config);
  if (path === undefined) return undefined;
  const freeBytes = await freeBytesIn(path);
  return {
    path,
    freeBytes,
    minFreeBytes: minFreeBytes(config.minFreeDiskMb),
    status: diskStatus(freeBytes, config.minFreeDiskMb),
  };
}

/**
 * Refuses (507) an upload the embedded database's disk has no room for, before anything of it is
 * stored. Off with OUTDIAL_MIN_FREE_DISK_MB=0, and on databases not on a local disk (where the
 * upload is not even measured).
 */
export async function ensureRoomForUpload(
  config: DiskConfig,
  measure: () => UploadSize,
): Promise<void> {
  const path = embeddedDataDir(config);
  if (path === undefined || config.minFreeDiskMb === 0) return;
  const upload = measure();
  const free = await freeBytesIn(path);
  const room = roomForUpload(free, upload, config.minFreeDiskMb);
  if (room.fits) return;
  const kept = megabytesUp(minFreeBytes(config.minFreeDiskMb));
  throw insufficientStorage(
    `Not enough disk space for this upload: it needs about ${megabytesUp(room.needBytes)} MB, ` +
      `${megabytesDown(free)} MB free in ${path} (${upload.rows} contacts, and ${kept} MB kept ` +
      'free: a WAL segment and OUTDIAL_MIN_FREE_DISK_MB). Nothing was stored: free space on ' +
      'that disk, or upload fewer contacts',
  );
}

/**
 * Logs when the data directory's disk goes low and when it recovers (one line per change, and
 * one at start when it is low already). Returns the function that stops watching.
 */
export function watchDiskSpace(config: DiskConfig, log: Logger, everyMs = 30_000): () => void {
  let last: DiskStatus = 'ok';
  const check = async () => {
    const space = await readDiskSpace(config).catch(() => undefined);
    if (space === undefined || space.status === last) return;
    last = space.status;
    const fields = {
      path: space.path,
      freeMb: megabytesDown(space.freeBytes),
      minFreeMb: megabytesUp(space.minFreeBytes),
    };
    if (space.status === 'low') {
      const uploads =
        config.minFreeDiskMb === 0
          ? 'the free-space check of uploads is off (OUTDIAL_MIN_FREE_DISK_MB=0)'
          : `uploads that would leave less than ${fields.minFreeMb} MB are refused (507)`;
      log.warn(
        fields,
        `disk space low: ${fields.freeMb} MB free in ${space.path}; ${uploads}. Free space on ` +
          'that disk: when it is full, the embedded database stops and Outdial exits',
      );
    } else {
      log.info(fields, `disk space ok again: ${fields.freeMb} MB free in ${space.path}`);
    }
  };
  if (embeddedDataDir(config) === undefined) return () => {};
  void check();
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
