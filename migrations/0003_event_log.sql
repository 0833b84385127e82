-- svidd ledger, version 3: a tamper-evident, append-only event log and signed checkpoints.
--
-- Every issuance and every revocation appends one row to ledger_events in the same
-- transaction as the certificates row it vouches for. Rows are chained:
--   hash = SHA-256(frame("svidd.ledger.event.v1") || frame(prev_hash) || int(seq)
--                  || frame(kind) || frame(serial) || int(at) || frame(content_sha256))
-- where frame(b) is b's length as an unsigned 64-bit big-endian integer followed by b,
-- int(v) is frame(v as a signed 64-bit big-endian integer), hashes and digests are framed as
-- their 32 raw bytes (stored here as lowercase hex), and the first event's prev_hash is 32
-- zero bytes. content_sha256 is, for 'issued', SHA-256 over the framed label
-- "svidd.ledger.issuance.v1" and the framed immutable columns of the certificates row in this
-- order: serial, spiffe_id, kind, issued_at (int), not_before (int), not_after (int),
-- issuer_serial, issuer_subject, public_key_sha256, key_type, auth_method, auth_principal,
-- certificate_pem, supersedes_serial; for 'revoked', over "svidd.ledger.revocation.v1",
-- serial, revoked_at (int), revocation_reason. Times are Unix seconds.
-- (src/ledger/event_chain.cc is the implementation; docs/ledger-integrity.md the prose.)
--
-- Rows that predate this version get their issuance (and revocation) events when svidd
-- first opens the file read-write, in the same transaction as this migration.

CREATE TABLE ledger_events (
  seq             INTEGER PRIMARY KEY,  -- 1, 2, 3, ... without gaps
  kind            TEXT    NOT NULL CHECK (kind IN ('issued', 'revoked')),
  serial          TEXT    NOT NULL,
  at              INTEGER NOT NULL,
  content_sha256  TEXT    NOT NULL,
  prev_hash       TEXT    NOT NULL,
  hash            TEXT    NOT NULL
);
-- One issuance and at most one revocation per certificate.
CREATE UNIQUE INDEX ledger_events_by_serial ON ledger_events (serial, kind);

-- The chain head as of event_seq, signed by the CA key (EVP_DigestSign with the digest the key
-- implies: SHA-256 for RSA and P-256, SHA-384 for P-384, none for Ed25519) over
--   frame("svidd.ledger.checkpoint.v1") || int(event_seq) || frame(head_hash) || int(signed_at).
-- signer_chain_pem is the signing certificate followed by any intermediates below the root;
-- the roots themselves are the trust bundle (root-cert.pem), never stored here.
CREATE TABLE ledger_checkpoints (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  event_seq         INTEGER NOT NULL,
  head_hash         TEXT    NOT NULL,
  signed_at         INTEGER NOT NULL,
  signer_chain_pem  TEXT    NOT NULL,
  algorithm         TEXT    NOT NULL,  -- e.g. 'ecdsa-with-SHA256', 'ED25519'
  signature         TEXT    NOT NULL   -- lowercase hex
);
CREATE INDEX ledger_checkpoints_by_seq ON ledger_checkpoints (event_seq);

-- Guards against honest mistakes; anyone with the sqlite3 tool can drop them, which is why
-- the chain and its signed checkpoints exist.
CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events
BEGIN SELECT RAISE(ABORT, 'ledger_events is append-only'); END;
CREATE TRIGGER ledger_events_no_delete BEFORE DELETE ON ledger_events
BEGIN SELECT RAISE(ABORT, 'ledger_events is append-only'); END;
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;
CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are never deleted: the event log vouches for them'); END;
CREATE TRIGGER certificates_immutable BEFORE UPDATE OF seq, serial, spiffe_id, kind, issued_at,
  not_before, not_after, issuer_serial, issuer_subject, public_key_sha256, key_type, auth_method,
  auth_principal, certificate_pem, supersedes_serial ON certificates
BEGIN SELECT RAISE(ABORT, 'an issued certificate''s record is immutable'); END;
CREATE TRIGGER certificates_revocation_is_final
  BEFORE UPDATE OF status, revoked_at, revocation_reason ON certificates
  WHEN OLD.status = 'revoked'
BEGIN SELECT RAISE(ABORT, 'a revocation is final'); END;
CREATE TRIGGER certificates_revocation_needs_event
  BEFORE UPDATE OF status, revoked_at, revocation_reason ON certificates
  WHEN NOT EXISTS (SELECT 1 FROM ledger_events WHERE serial = NEW.serial AND kind = 'revoked')
BEGIN
  SELECT RAISE(ABORT, 'a revocation must append its ledger_events row first, in the same transaction');
END;
