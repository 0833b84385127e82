-- PostgreSQL twin of migrations/0002_supersedes.sql.
ALTER TABLE certificates ADD COLUMN supersedes_serial TEXT COLLATE "C" NOT NULL DEFAULT '';

CREATE INDEX certificates_by_supersedes ON certificates (supersedes_serial)
  WHERE supersedes_serial != '';
