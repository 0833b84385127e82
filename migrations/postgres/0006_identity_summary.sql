-- PostgreSQL twin of migrations/0006_identity_summary.sql, version 6 on this engine too.
-- SQLite got a trigger-maintained identity_summary table because its identities listing had to
-- window over every certificate row. PostgreSQL's listing (postgres_ledger_reads.cc) is a
-- plain GROUP BY that the planner runs from an index, so only the index the SQLite migration
-- adds for "an identity's newest active certificate" is mirrored here; the version number
-- stays the same on both engines.
CREATE INDEX certificates_current ON certificates (spiffe_id, status, issued_at, serial);
