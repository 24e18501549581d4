-- 0005: a batch's maxConcurrency was stored twice, in batches.max_concurrency and in the config
-- JSON, and read as COALESCE of the two. The column is now the one place: a value found only in
-- the config moves to the column, and the config key goes.
UPDATE batches
   SET max_concurrency = COALESCE(max_concurrency, (config->>'maxConcurrency')::int)
 WHERE config ? 'maxConcurrency';
UPDATE batches SET config = config - 'maxConcurrency' WHERE config ? 'maxConcurrency';
