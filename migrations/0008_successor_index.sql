-- svidd ledger, version 8: find a certificate's successor by an index.
-- "Has this certificate a successor?" (a later certificate of the same SPIFFE ID, by issued_at
-- then serial) is asked for every certificate close to expiry, each time svidd computes the
-- svidd_certificates_expiring_without_successor gauge. With this index it is one index seek
-- per certificate, however long an identity's history; (spiffe_id, not_after) could not order
-- by issue time. Plain SQL, the same in SQLite and PostgreSQL.

CREATE INDEX certificates_by_spiffe_id_issued_at ON certificates (spiffe_id, issued_at, serial);
