-- PostgreSQL twin of migrations/0004_operator.sql.
-- The Istio namespace of spiffe://<td>/ns/<ns>/..., NULL for any other shape.
ALTER TABLE certificates ADD COLUMN istio_namespace TEXT COLLATE "C" GENERATED ALWAYS AS (
  substring(spiffe_id from '^.{9}[^/]*/ns/([^/]+)/')) STORED;

CREATE INDEX certificates_by_namespace ON certificates (istio_namespace)
  WHERE istio_namespace IS NOT NULL;
CREATE INDEX certificates_by_revoked_at ON certificates (revoked_at)
  WHERE revoked_at IS NOT NULL;

CREATE TABLE refusal_counts (
  hour    BIGINT NOT NULL,  -- Unix seconds of the start of the hour (UTC)
  reason  TEXT COLLATE "C" NOT NULL,
  count   BIGINT NOT NULL CHECK (count >= 0),
  PRIMARY KEY (hour, reason)
);

CREATE TABLE admin_audit (
  id                BIGSERIAL PRIMARY KEY,
  at                BIGINT NOT NULL,
  caller_id         TEXT NOT NULL,
  caller_principal  TEXT NOT NULL,
  peer              TEXT NOT NULL,
  method            TEXT NOT NULL,
  arguments         TEXT NOT NULL,
  outcome           TEXT NOT NULL,
  message           TEXT NOT NULL
);
CREATE INDEX admin_audit_by_at ON admin_audit (at);
CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit
  FOR EACH ROW EXECUTE FUNCTION svidd_refuse('admin_audit is append-only');
