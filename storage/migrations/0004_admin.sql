-- What admins did: broadcasts created, started, paused, cancelled; imports; exports.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    admin_id   INTEGER NOT NULL,
    action     TEXT NOT NULL,
    details    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE INDEX audit_log_time ON audit_log (created_at);

-- A broadcast copies one message of an admin to every recipient. The recipient rows are
-- written before the first send, so a restart knows exactly who is left.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    admin_id            INTEGER NOT NULL,
    source_chat_id      INTEGER NOT NULL,              -- the message copyMessage copies
    source_message_id   INTEGER NOT NULL,
    audience            TEXT NOT NULL,                 -- segment as JSON: {"kind": ..., "value": ...}
    status              TEXT NOT NULL CHECK (status IN
                            ('scheduled', 'running', 'paused', 'cancelled', 'done')),
    scheduled_at        TEXT,                          -- UTC; NULL = at once
    started_at          TEXT,
    finished_at         TEXT,
    progress_chat_id    INTEGER,                       -- the admin's progress message
    progress_message_id INTEGER,
    total               INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE INDEX broadcasts_status ON broadcasts (status);

-- `user_id`: /forget removes a person from queued broadcasts too.
CREATE TABLE broadcast_recipients (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                     ('pending', 'sending', 'sent', 'blocked', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    PRIMARY KEY (broadcast_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX broadcast_recipients_status ON broadcast_recipients (broadcast_id, status);
