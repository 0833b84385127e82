-- svidd ledger, version 4: what operators query and what svidd records about its own use.
--
-- 1. certificates.istio_namespace: the <ns> of an Istio-form SPIFFE ID
--    (spiffe://<td>/ns/<ns>/...), NULL for any other ID. A virtual generated column, so it
--    costs nothing to store and nobody can write it; the index makes `--namespace` a lookup.
--    The path is what follows the trust domain: position 10 is the first character after
--    "spiffe://", and the first '/' after it starts the path.
ALTER TABLE certificates ADD COLUMN istio_namespace TEXT GENERATED ALWAYS AS (
  CASE
    WHEN substr(spiffe_id, instr(substr(spiffe_id, 10), '/') + 9, 4) = '/ns/'
     AND instr(substr(spiffe_id, 10), '/') > 0
     AND instr(substr(spiffe_id, instr(substr(spiffe_id, 10), '/') + 13), '/') > 1
    THEN substr(spiffe_id, instr(substr(spiffe_id, 10), '/') + 13,
                instr(substr(spiffe_id, instr(substr(spiffe_id, 10), '/') + 13), '/') - 1)
  END) VIRTUAL;

CREATE INDEX certificates_by_namespace ON certificates (istio_namespace)
  WHERE istio_namespace IS NOT NULL;
CREATE INDEX certificates_by_revoked_at ON certificates (revoked_at)
  WHERE revoked_at IS NOT NULL;

-- 2. Refused requests, counted in memory by a stable reason label
--    ("unauthenticated/expired-token", "invalid-argument/csr", ...) and added here in
--    batches, one row per reason per hour, so `svidctl stats` reads the same numbers whether
--    it asks the running server or opens this file.
CREATE TABLE refusal_counts (
  hour    INTEGER NOT NULL,  -- Unix seconds of the start of the hour (UTC)
  reason  TEXT    NOT NULL,
  count   INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (hour, reason)
) WITHOUT ROWID;

-- 3. Every call to the admin API, allowed or not: who, what, with which arguments (never
--    secrets), and how it ended. Append-only.
CREATE TABLE admin_audit (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  at                INTEGER NOT NULL,  -- Unix seconds
  caller_id         TEXT    NOT NULL,  -- the authenticated SPIFFE ID; '' if none
  caller_principal  TEXT    NOT NULL,  -- 'x509:<serial>' of the client certificate; '' if none
  peer              TEXT    NOT NULL,  -- the caller's address as gRPC reports it
  method            TEXT    NOT NULL,  -- e.g. 'RevokeCertificates'
  arguments         TEXT    NOT NULL,  -- the request as JSON
  outcome           TEXT    NOT NULL,  -- gRPC status code name: 'OK', 'PERMISSION_DENIED', ...
  message           TEXT    NOT NULL   -- the status message ('' on success) or a summary
);
CREATE INDEX admin_audit_by_at ON admin_audit (at);
CREATE TRIGGER admin_audit_no_update BEFORE UPDATE ON admin_audit
BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END;
CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit
BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END;
