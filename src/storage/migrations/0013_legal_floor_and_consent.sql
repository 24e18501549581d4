-- 0013: the workspace's legal floor for real calls and consent on record (API extensions §19).
--
-- calling_window: the workspace's calling window (same JSON shape as a batch's), applied to every
-- call placed through a real carrier connection; a batch window only narrows it.
ALTER TABLE workspaces ADD COLUMN calling_window jsonb NOT NULL
  DEFAULT '{"timezone":"recipient","days":[1,2,3,4,5,6,7],"start":"08:00","end":"21:00"}';

-- require_consent: rows without a consent_source are refused at upload.
ALTER TABLE workspaces ADD COLUMN require_consent boolean NOT NULL DEFAULT false;

-- A job's consent as its row gave it: where it came from, and when (epoch ms), both optional.
ALTER TABLE calls ADD COLUMN consent_source text;
ALTER TABLE calls ADD COLUMN consent_at bigint;
