-- svidd ledger, version 9: the revocation events by an index.
-- svidd's start-up checks the ledger from its newest signed checkpoint on, and in addition
-- every revocation event of the whole log against its certificates row (still revoked, with
-- the revocation fields the event vouches for): a revocation undone inside the signed prefix
-- is refused at start without walking the chain (docs/ledger-integrity.md). Revocations are
-- rare, so this partial index holds few entries and the check reads few rows. Plain SQL, the
-- same in SQLite and PostgreSQL.

CREATE INDEX ledger_events_revocations ON ledger_events (seq) WHERE kind = 'revoked';
