-- PostgreSQL twin of migrations/0001_init.sql: same tables, columns and meaning. Times are
-- Unix seconds (BIGINT) as in SQLite, so hashes and page tokens agree across engines. Text
-- that is compared or ordered uses COLLATE "C": byte-wise, as SQLite compares.
CREATE TABLE certificates (
  seq                BIGSERIAL PRIMARY KEY,  -- insertion order (across replicas: not commit order)
  serial             TEXT COLLATE "C" NOT NULL UNIQUE,
  spiffe_id          TEXT COLLATE "C" NOT NULL,
  kind               TEXT COLLATE "C" NOT NULL CHECK (kind IN ('workload', 'server', 'intermediate')),
  issued_at          BIGINT NOT NULL,
  not_before         BIGINT NOT NULL,
  not_after          BIGINT NOT NULL,
  issuer_serial      TEXT COLLATE "C" NOT NULL,
  issuer_subject     TEXT NOT NULL,
  public_key_sha256  TEXT NOT NULL,
  key_type           TEXT COLLATE "C" NOT NULL,
  auth_method        TEXT COLLATE "C" NOT NULL,
  auth_principal     TEXT NOT NULL,
  certificate_pem    TEXT NOT NULL,
  status             TEXT COLLATE "C" NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  revoked_at         BIGINT,
  revocation_reason  TEXT NOT NULL DEFAULT '',
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);

CREATE INDEX certificates_by_spiffe_id ON certificates (spiffe_id, not_after);
CREATE INDEX certificates_by_not_after ON certificates (not_after);
CREATE INDEX certificates_by_issued_at ON certificates (issued_at);
CREATE INDEX certificates_by_issuer ON certificates (issuer_serial);
