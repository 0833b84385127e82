-- svidd ledger, version 5: a row the health probe rewrites.
--
-- Readiness asks "does the ledger take writes?" once a second. Taking the write lock and
-- rolling back (what the probe did before) succeeds on a full disk, so svidd stayed ready
-- while every issuance failed. The probe now commits a real change to this one row; it holds
-- no certificate data and is outside the event chain.
CREATE TABLE health_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  writes INTEGER NOT NULL
);
INSERT INTO health_probe (id, writes) VALUES (1, 0);
