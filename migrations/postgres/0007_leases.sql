-- PostgreSQL twin of migrations/0007_leases.sql: which replica does the work only one may do
-- at a time (signing the ledger's checkpoints). See that file and docs/high-availability.md.
CREATE TABLE leases (
  name            TEXT   PRIMARY KEY,
  holder          TEXT   NOT NULL,
  expires_at_ms   BIGINT NOT NULL,
  acquired_at_ms  BIGINT NOT NULL,
  term            BIGINT NOT NULL
);

-- Revocations reach every replica at once: a 'revoked' event NOTIFYs the channel
-- svidd_revocations (delivered when its transaction commits) with its seq. Replicas LISTEN
-- (src/ledger/pg_revocation_listener.cc) and read the new events right away; without the
-- notification (a lost connection) they still find them at their next poll, once a second.
CREATE FUNCTION svidd_notify_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('svidd_revocations', NEW.seq::text);
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_events_notify_revocation AFTER INSERT ON ledger_events
  FOR EACH ROW WHEN (NEW.kind = 'revoked') EXECUTE FUNCTION svidd_notify_revocation();
