-- PostgreSQL twin of migrations/0010_identity_listing_covering.sql. The PostgreSQL listing is
-- one window query over the matching rows (postgres_ledger_reads.cc), not SQLite's per-identity
-- seeks, so certificates_listed would only cost writes here; certificates_by_spiffe_id gains
-- the valid count's columns as in SQLite, so the schemas keep the same index by that name.
DROP INDEX certificates_by_spiffe_id;
CREATE INDEX certificates_by_spiffe_id
  ON certificates (spiffe_id, not_after, status, not_before, kind);
