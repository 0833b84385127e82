-- svidd ledger, version 1: one row per issued certificate.
-- Times are Unix seconds (UTC). Serials are lowercase hex (SerialHex).

CREATE TABLE certificates (
  seq                INTEGER PRIMARY KEY AUTOINCREMENT,  -- append order
  serial             TEXT    NOT NULL UNIQUE,
  spiffe_id          TEXT    NOT NULL,
  kind               TEXT    NOT NULL CHECK (kind IN ('workload', 'server', 'intermediate')),
  issued_at          INTEGER NOT NULL,
  not_before         INTEGER NOT NULL,
  not_after          INTEGER NOT NULL,
  issuer_serial      TEXT    NOT NULL,
  issuer_subject     TEXT    NOT NULL,
  public_key_sha256  TEXT    NOT NULL,
  key_type           TEXT    NOT NULL,
  auth_method        TEXT    NOT NULL,
  auth_principal     TEXT    NOT NULL,
  certificate_pem    TEXT    NOT NULL,
  status             TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  revoked_at         INTEGER,
  revocation_reason  TEXT    NOT NULL DEFAULT '',
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);

CREATE INDEX certificates_by_spiffe_id ON certificates (spiffe_id, not_after);
CREATE INDEX certificates_by_not_after ON certificates (not_after);
CREATE INDEX certificates_by_issued_at ON certificates (issued_at);
CREATE INDEX certificates_by_issuer ON certificates (issuer_serial);
