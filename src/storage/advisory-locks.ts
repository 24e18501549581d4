// Advisory locks all Outdial processes agree on: their numbers in one place so no two uses collide.

/** Migrations run one file at a time across processes. */
export const MIGRATION_LOCK = 7_011_320_001;
/** First-start bootstrap creates the first workspace once. */
export const BOOTSTRAP_LOCK = 7_011_320_003;
/**
 * Held by the leader: the one engine (across every process) that runs the maintenance tasks,
 * attempt recovery included. (7_011_320_002 and _004 were per-pass locks of an earlier version:
 * not reused, so a process of that version running during an upgrade cannot collide.)
 */
export const LEADER_LOCK = 7_011_320_005;
