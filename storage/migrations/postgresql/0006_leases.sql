-- Leases: which of several bot processes sharing this database runs the background work
-- (broadcasts, reminders). A row names its holder until `expires_at` (Unix time); a holder
-- renews it long before then, and a lease past its time may be taken by another process.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,                          -- host, process id and a random part
    expires_at DOUBLE PRECISION NOT NULL
);
