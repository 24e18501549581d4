-- 0004: API keys are hashed with HMAC-SHA-256 under a per-deployment secret (docs/configuration.md,
-- OUTDIAL_KEY_SECRET). Rows written before this migration hold a plain SHA-256; they keep working
-- and are rewritten under the secret on their first successful use.

-- 0 = plain SHA-256 (before 0004), 1 = HMAC-SHA-256 under the deployment's key secret.
ALTER TABLE api_keys ADD COLUMN hash_scheme smallint NOT NULL DEFAULT 0;

-- Deployment-wide values: the key secret when the environment does not provide one, and always a
-- fingerprint of the secret in use, so a process started with a different secret refuses to run
-- instead of answering 401 to every key.
CREATE TABLE settings (
  name  text PRIMARY KEY,
  value text NOT NULL
);
