-- 0014: attempt updates that stay on their heap page. An attempt row changes three or four times
-- (placing, in_call, ended; recovery's check_at), and each change wrote a new entry into every
-- index of the table, because the report-wait index named the state and check_at. With no index
-- on a column those updates change, PostgreSQL writes them as heap-only tuples (HOT): no index
-- entry at all, given room on the row's page, which the fill factor leaves.

-- The grace task finds its waits through the active calls instead (calls_active, bounded by the
-- concurrency caps), as attempt recovery does: a waiting attempt is its active call's current one.
DROP INDEX IF EXISTS call_attempts_report_due;

-- Room for the updates of the rows a page holds: a third of it is left free by inserts.
ALTER TABLE call_attempts SET (fillfactor = 70);
