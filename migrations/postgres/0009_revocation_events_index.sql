-- PostgreSQL twin of migrations/0009_revocation_events_index.sql: the revocation events by a
-- partial index, so start-up checks each against its certificates row without reading the log.
CREATE INDEX ledger_events_revocations ON ledger_events (seq) WHERE kind = 'revoked';
