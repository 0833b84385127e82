-- PostgreSQL twin of migrations/0005_health_probe.sql.
CREATE TABLE health_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  writes BIGINT NOT NULL
);
INSERT INTO health_probe (id, writes) VALUES (1, 0);
