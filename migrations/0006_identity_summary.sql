-- svidd ledger, version 6: what `svidctl identities list` reads, kept up to date as rows arrive.
--
-- Listing identities aggregated every certificate row per SPIFFE ID (a window over the whole
-- table, reading each row's certificate_pem page along the way): 27 s for a million rows.
-- 1. identity_summary: per (spiffe_id, kind), how many certificates and the first and last
--    issuance time, maintained by a trigger on each insert. Certificate rows are never deleted
--    and those columns never change (0003's guards), so the insert trigger is the only one
--    needed. It is derived data outside the event chain: `svidctl ledger verify` does not rely
--    on it, and the listing takes each identity's current certificate and its count of valid
--    ones from the certificates themselves.
-- 2. certificates_current: finds an identity's newest active certificate in one index seek.
CREATE TABLE identity_summary (
  spiffe_id        TEXT    NOT NULL,
  kind             TEXT    NOT NULL,
  istio_namespace  TEXT,
  certificates     INTEGER NOT NULL,
  first_issued_at  INTEGER NOT NULL,
  last_issued_at   INTEGER NOT NULL,
  PRIMARY KEY (spiffe_id, kind)
) WITHOUT ROWID;

INSERT INTO identity_summary
  SELECT spiffe_id, kind, istio_namespace, COUNT(*), MIN(issued_at), MAX(issued_at)
  FROM certificates GROUP BY spiffe_id, kind;

CREATE TRIGGER certificates_summarised AFTER INSERT ON certificates
BEGIN
  INSERT INTO identity_summary
    VALUES (NEW.spiffe_id, NEW.kind, NEW.istio_namespace, 1, NEW.issued_at, NEW.issued_at)
  ON CONFLICT (spiffe_id, kind) DO UPDATE SET
    certificates = certificates + 1,
    first_issued_at = MIN(first_issued_at, excluded.first_issued_at),
    last_issued_at = MAX(last_issued_at, excluded.last_issued_at);
END;

CREATE INDEX certificates_current ON certificates (spiffe_id, status, issued_at, serial);
