// Advisory lock numbers all Outdial processes agree on, in one place so no two uses collide.

/** Migrations run one file at a time across processes. */
export const MIGRATION_LOCK = 7_011_320_001;
/** Only one lease reaper at a time. */
export const REAPER_LOCK = 7_011_320_002;
/** First-start bootstrap creates the first workspace once. */
export const BOOTSTRAP_LOCK = 7_011_320_003;
/** Only one process at a time runs the periodic clean-up (expired idempotency keys). */
export const MAINTENANCE_LOCK = 7_011_320_004;
