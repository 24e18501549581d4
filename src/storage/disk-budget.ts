// What an upload costs the embedded database's disk, and whether the disk has room for it.
// Pure: the free space is measured by disk-space.ts.

export const MB = 1024 * 1024;

/**
 * PostgreSQL's WAL segment. A write that crosses into a new segment needs this much at once,
 * however small it is: the write that fills a disk is often a tiny one.
 */
export const WAL_SEGMENT_BYTES = 16 * MB;

/**
 * What one stored contact costs whatever its size: its calls row, the indexes of calls, the
 * batch's share and their write-ahead log. Measured on the embedded database (20,000 short
 * contacts grew the data directory by 1.3 KB each); rounded up.
 */
export const BYTES_PER_CONTACT = 1536;

/**
 * What each byte of contact data costs on top: the row holds it, and so does the write-ahead log
 * (20,000 contacts of 1 KB each grew the data directory by 2.0 bytes per byte); rounded up.
 */
export const BYTES_PER_CONTACT_BYTE = 2.5;

export interface UploadSize {
  /** Bytes of contact data read (header and rows, as UTF-8). */
  bytes: number;
  /** Contacts that would be stored. */
  rows: number;
}

/** Estimated disk space an upload takes once stored. */
export const uploadFootprint = (u: UploadSize): number =>
  Math.ceil(u.rows * BYTES_PER_CONTACT + u.bytes * BYTES_PER_CONTACT_BYTE);

/** Free space the database keeps whatever it stores: a WAL segment and the configured reserve. */
export const minFreeBytes = (reserveMb: number): number => WAL_SEGMENT_BYTES + reserveMb * MB;

export interface Room {
  fits: boolean;
  /** Free space the upload needs: its footprint plus minFreeBytes. */
  needBytes: number;
}

export function roomForUpload(freeBytes: number, upload: UploadSize, reserveMb: number): Room {
  const needBytes = uploadFootprint(upload) + minFreeBytes(reserveMb);
  return { fits: freeBytes >= needBytes, needBytes };
}

export type DiskStatus = 'ok' | 'low';

/**
 * `low` below twice minFreeBytes: reported (readiness, log) while uploads still fit, so there is
 * time to free space before they are refused and long before a write fails.
 */
export const diskStatus = (freeBytes: number, reserveMb: number): DiskStatus =>
  freeBytes < 2 * minFreeBytes(reserveMb) ? 'low' : 'ok';

/** Whole megabytes, rounded up for what is needed and down for what is free. */
export const megabytesUp = (bytes: number): number => Math.ceil(bytes / MB);
export const megabytesDown = (bytes: number): number => Math.floor(bytes / MB);
