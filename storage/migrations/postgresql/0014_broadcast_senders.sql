-- Several processes send one broadcast (PostgreSQL) or one at a time (SQLite). A recipient
-- being sent names its claimer: `claimed_by` (a sender's id: host, process id and a random
-- part) since `claimed_at` (Unix time). Only the rows of a claimer that is gone go back to
-- the queue: one on this host that no longer exists, or one whose heartbeat has stopped.
ALTER TABLE broadcast_recipients ADD COLUMN claimed_by TEXT;
ALTER TABLE broadcast_recipients ADD COLUMN claimed_at DOUBLE PRECISION;
CREATE INDEX broadcast_recipients_claims ON broadcast_recipients (claimed_by)
    WHERE status = 'sending';

-- The senders that are alive: each renews `beat_at` (Unix time) every few seconds.
CREATE TABLE broadcast_senders (
    claimer    TEXT PRIMARY KEY,
    beat_at    DOUBLE PRECISION NOT NULL
);

-- One rate for the whole bot: every sender takes its send slots here. `next_at` (Unix time,
-- the database's clock) is the first slot nobody has taken. Its one row is written by the
-- first reservation: a database just migrated holds no rows beyond its reference data.
CREATE TABLE broadcast_clock (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    next_at    DOUBLE PRECISION NOT NULL
);

-- The progress message is edited by one sender at a time, at most every few seconds
-- (`progress_at`, Unix time), and the final report is given once (`reported`: the status
-- it was given for; cleared when the broadcast runs again).
ALTER TABLE broadcasts ADD COLUMN progress_at DOUBLE PRECISION;
ALTER TABLE broadcasts ADD COLUMN reported TEXT;
