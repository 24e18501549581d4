import { expect, it } from 'vitest';
import {
  BYTES_PER_CONTACT,
  BYTES_PER_CONTACT_BYTE,
  diskStatus,
  MB,
  megabytesDown,
  megabytesUp,
  minFreeBytes,
  roomForUpload,
  uploadFootprint,
  WAL_SEGMENT_BYTES,
} from '../../src/storage/disk-budget.js';

// What an upload costs the embedded database's disk, and the decisions made on it.

it('prices an upload per contact and per byte, above what was measured', () => {
  expect(uploadFootprint({ rows: 0, bytes: 0 })).toBe(0);
  expect(uploadFootprint({ rows: 1, bytes: 0 })).toBe(BYTES_PER_CONTACT);
  expect(uploadFootprint({ rows: 0, bytes: 1000 })).toBe(1000 * BYTES_PER_CONTACT_BYTE);
  // Measured: 20,000 short contacts (389 KB of CSV) grew the data directory by 27.2 MB; 20,000
  // contacts of 1 KB (20.5 MB of CSV) by 67.5 MB. The estimate must not fall short of either.
  expect(uploadFootprint({ rows: 20_000, bytes: 388_913 })).toBeGreaterThan(27_222_016);
  expect(uploadFootprint({ rows: 20_000, bytes: 20_508_919 })).toBeGreaterThan(67_534_848);
});

it('keeps a WAL segment and the reserve free', () => {
  expect(WAL_SEGMENT_BYTES).toBe(16 * MB);
  expect(minFreeBytes(0)).toBe(16 * MB);
  expect(minFreeBytes(64)).toBe(80 * MB);
});

it('an upload fits when the free space covers its footprint and what is kept free, to the byte', () => {
  const upload = { rows: 100, bytes: 10_000 };
  const need = uploadFootprint(upload) + minFreeBytes(64);
  expect(roomForUpload(need, upload, 64)).toEqual({ fits: true, needBytes: need });
  expect(roomForUpload(need - 1, upload, 64)).toEqual({ fits: false, needBytes: need });
});

it('calls the disk low below twice what is kept free', () => {
  expect(diskStatus(2 * minFreeBytes(64), 64)).toBe('ok');
  expect(diskStatus(2 * minFreeBytes(64) - 1, 64)).toBe('low');
  expect(diskStatus(0, 0)).toBe('low');
});

it('rounds what is needed up and what is free down', () => {
  expect(megabytesUp(MB + 1)).toBe(2);
  expect(megabytesDown(2 * MB - 1)).toBe(1);
});
