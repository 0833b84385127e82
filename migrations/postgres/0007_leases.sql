-- PostgreSQL twin of migrations/0007_leases.sql: which replica does the work only one may do
-- at a time (signing the ledger's checkpoints). See that file and docs/high-availability.md.
CREATE TABLE leases (
  name            TEXT   PRIMARY KEY,
  holder          TEXT   NOT NULL,
  expires_at_ms   BIGINT NOT NULL,
  acquired_at_ms  BIGINT NOT NULL,
  term            BIGINT NOT NULL
);
