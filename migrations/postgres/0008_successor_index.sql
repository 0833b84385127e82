-- PostgreSQL twin of migrations/0008_successor_index.sql: a certificate's successor (a later
-- certificate of the same SPIFFE ID, by issued_at then serial) in one index seek, for the
-- svidd_certificates_expiring_without_successor gauge.
CREATE INDEX certificates_by_spiffe_id_issued_at ON certificates (spiffe_id, issued_at, serial);
