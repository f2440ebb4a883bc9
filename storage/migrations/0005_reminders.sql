-- Reminders: a nudge a day after a paused test, and a note before a programme starts.
-- A row is marked sent before the message goes out, so it is never sent twice.
CREATE TABLE reminders (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('quiz_paused', 'program_start')),
    subject TEXT NOT NULL DEFAULT '',                  -- the programme id for program_start
    due_at  TEXT NOT NULL,                             -- UTC, moved into the person's daytime
    status  TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dropped')),
    sent_at TEXT,
    UNIQUE (user_id, kind, subject)
) STRICT;

CREATE INDEX reminders_due ON reminders (status, due_at);

ALTER TABLE users ADD COLUMN reminders_off INTEGER NOT NULL DEFAULT 0
    CHECK (reminders_off IN (0, 1));
