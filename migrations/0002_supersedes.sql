-- svidd ledger, version 2: which certificate a renewal replaced.
-- The rotation service records, for every certificate it issues on a workload's stream, the
-- serial of the certificate that workload held before ('' for a first issuance), so an
-- operator can follow an identity's chain of renewals and see who never got a successor.

ALTER TABLE certificates ADD COLUMN supersedes_serial TEXT NOT NULL DEFAULT '';

CREATE INDEX certificates_by_supersedes ON certificates (supersedes_serial)
  WHERE supersedes_serial != '';
