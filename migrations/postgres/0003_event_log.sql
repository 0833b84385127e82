-- PostgreSQL twin of migrations/0003_event_log.sql (see there and docs/ledger-integrity.md).
-- Several replicas write here at once. The chain stays ONE chain, ordered by the database:
-- every transaction that appends events first locks the single ledger_chain_head row
-- (SELECT ... FOR UPDATE), appends seq+1, seq+2, ... linked by prev_hash, and moves the head
-- in the same transaction. Appenders therefore queue on that row lock and commit in seq order.
-- A fresh PostgreSQL ledger has no pre-event-log rows, so nothing is backfilled.
CREATE TABLE ledger_events (
  seq             BIGINT PRIMARY KEY,  -- 1, 2, 3, ... without gaps
  kind            TEXT COLLATE "C" NOT NULL CHECK (kind IN ('issued', 'revoked')),
  serial          TEXT COLLATE "C" NOT NULL,
  at              BIGINT NOT NULL,
  content_sha256  TEXT NOT NULL,
  prev_hash       TEXT NOT NULL,
  hash            TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_events_by_serial ON ledger_events (serial, kind);

-- The chain head, one row: the lock every appender takes, and the seq/hash it extends.
CREATE TABLE ledger_chain_head (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   BIGINT NOT NULL,
  hash  TEXT NOT NULL
);
INSERT INTO ledger_chain_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE ledger_checkpoints (
  id                BIGSERIAL PRIMARY KEY,
  event_seq         BIGINT NOT NULL,
  head_hash         TEXT NOT NULL,
  signed_at         BIGINT NOT NULL,
  signer_chain_pem  TEXT NOT NULL,
  algorithm         TEXT NOT NULL,
  signature         TEXT NOT NULL  -- lowercase hex
);
CREATE INDEX ledger_checkpoints_by_seq ON ledger_checkpoints (event_seq);

-- The guards of the SQLite schema, as trigger functions. They stop mistakes and casual edits
-- through svidd's own role; someone who owns the tables can drop them, which is what the hash
-- chain and the signed checkpoints are for.
CREATE FUNCTION svidd_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END $$;

CREATE TRIGGER ledger_events_append_only BEFORE UPDATE OR DELETE ON ledger_events
  FOR EACH ROW EXECUTE FUNCTION svidd_refuse('ledger_events is append-only');
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
  FOR EACH ROW EXECUTE FUNCTION svidd_refuse('ledger_checkpoints is append-only');
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
  FOR EACH ROW EXECUTE FUNCTION
  svidd_refuse('certificates are never deleted: the event log vouches for them');
CREATE TRIGGER certificates_immutable BEFORE UPDATE OF seq, serial, spiffe_id, kind, issued_at,
  not_before, not_after, issuer_serial, issuer_subject, public_key_sha256, key_type, auth_method,
  auth_principal, certificate_pem, supersedes_serial ON certificates
  FOR EACH ROW EXECUTE FUNCTION svidd_refuse('an issued certificate''s record is immutable');

CREATE FUNCTION svidd_check_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'revoked' THEN
    RAISE EXCEPTION 'a revocation is final';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM ledger_events WHERE serial = NEW.serial AND kind = 'revoked') THEN
    RAISE EXCEPTION 'a revocation must append its ledger_events row first, in the same transaction';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER certificates_revocation BEFORE UPDATE OF status, revoked_at, revocation_reason
  ON certificates FOR EACH ROW EXECUTE FUNCTION svidd_check_revocation();
