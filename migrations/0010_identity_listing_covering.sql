-- svidd ledger, version 10: `svidctl identities list` from index pages only.
-- At a million rows the listing (migration 0006) spent its time reading certificate rows at
-- random in a 1.9 GB file: per identity, its not yet expired certificates for the valid count,
-- and its current certificate for the listed columns. Each row is ~1.5 KB (the PEM), so every
-- one was a page of its own.
-- 1. certificates_by_spiffe_id gains what the valid count filters on (status, not_before,
--    kind): the count reads only index entries. Its leading columns are unchanged, so every
--    query that used it still does.
-- 2. certificates_listed: the listed columns by seq, so the current certificate (found by seq
--    in certificates_current) is one seek in a narrow index whose newest entries, where
--    current certificates are, sit together at its end. Appended in seq order: cheap to keep.
DROP INDEX certificates_by_spiffe_id;
CREATE INDEX certificates_by_spiffe_id
  ON certificates (spiffe_id, not_after, status, not_before, kind);
CREATE INDEX certificates_listed
  ON certificates (seq, kind, serial, status, not_before, not_after, auth_method);
