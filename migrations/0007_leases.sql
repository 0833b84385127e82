-- svidd ledger, version 7: leases, so that several replicas on one ledger agree on which of
-- them does the work only one may do at a time (signing the ledger's checkpoints).
--
-- A lease is held by `holder` until `expires_at_ms` (Unix milliseconds, by the holder's clock;
-- replicas' clocks are assumed synchronised to well within the lease's safety margin). Taking
-- it is one conditional upsert: it succeeds when there is no row, the row has expired, or the
-- caller already holds it. `term` counts hand-overs: it grows by one whenever the lease passes
-- to another holder, so a holder can tell that someone else held it in between.
-- (src/ledger/sqlite_lease_store.cc is the implementation; docs/high-availability.md the prose.)
-- Outside the event chain: a lease is coordination, not a record of what was issued.
CREATE TABLE leases (
  name            TEXT    PRIMARY KEY,
  holder          TEXT    NOT NULL,
  expires_at_ms   INTEGER NOT NULL,
  acquired_at_ms  INTEGER NOT NULL,
  term            INTEGER NOT NULL
);
