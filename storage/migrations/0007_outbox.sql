-- An application is a promise: it counts as passed on only once a staff chat accepted it.
-- One row per person and programme (applying again renews it); each notice for the staff
-- (the application, or a note that it was withdrawn) is a job in `lead_outbox`, written in
-- the same transaction as the application and retried until a staff chat takes it.
ALTER TABLE leads ADD COLUMN username TEXT;           -- Telegram @username, for the staff
ALTER TABLE leads ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'withdrawn'));
ALTER TABLE leads ADD COLUMN applied_at TEXT;         -- the latest application (created_at: the first)
ALTER TABLE leads ADD COLUMN times INTEGER NOT NULL DEFAULT 1;  -- how often the person applied
ALTER TABLE leads ADD COLUMN delivered_at TEXT;       -- when a staff chat last accepted it
ALTER TABLE leads ADD COLUMN withdrawn_at TEXT;

UPDATE leads SET applied_at = created_at,
                 delivered_at = CASE WHEN delivered = 1 THEN created_at END;

CREATE TABLE lead_outbox (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,                     -- /forget removes the jobs too
    kind        TEXT NOT NULL CHECK (kind IN ('lead', 'withdrawal')),
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,           -- failed attempts so far
    due_at      REAL NOT NULL,                        -- Unix time of the next attempt
    claimed_by  TEXT,                                 -- the process trying it now (see workers/lease)
    last_error  TEXT,                                 -- Telegram's words for the last failure
    admins_told INTEGER NOT NULL DEFAULT 0 CHECK (admins_told IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    sent_at     TEXT
) STRICT;

CREATE INDEX lead_outbox_due ON lead_outbox (status, due_at);
CREATE INDEX lead_outbox_lead ON lead_outbox (lead_id);

-- Applications stored before this version and never delivered are sent now.
INSERT INTO lead_outbox (lead_id, user_id, kind, due_at)
    SELECT id, user_id, 'lead', 0 FROM leads WHERE delivered = 0;

-- Every message the bot puts into a staff chat about a person (a question, an application, a
-- note) is linked to the person, and to the application when it is about one.
ALTER TABLE consultant_messages ADD COLUMN lead_id INTEGER;
CREATE INDEX consultant_messages_lead ON consultant_messages (lead_id) WHERE lead_id IS NOT NULL;

-- Staff-chat messages about people who used /forget: no person, only where the message was,
-- so that a consultant replying to one learns why the answer cannot be delivered.
CREATE TABLE forgotten_messages (
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    forgotten_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (chat_id, message_id)
) STRICT, WITHOUT ROWID;
