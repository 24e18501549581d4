-- 0015: one index of the calls' numbers. A call's claim and its end each write a new row version
-- into every index of calls (its state is indexed, so no update of it is heap-only), and two
-- indexes held the same numbers: (batch_id, phone_number) and, since 0011, (workspace_id,
-- phone_number). A batch belongs to one workspace, so every lookup of a number in a batch reads
-- calls_ws_phone with the batch's workspace and keeps the batch's rows: a handful per number.
DROP INDEX IF EXISTS calls_batch_phone;
