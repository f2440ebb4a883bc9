-- Chats that were given the admin command menu: at start, the menu is deleted from those no
-- longer in ADMIN_IDS. Admins known from earlier actions may have it from before this table.
CREATE TABLE admin_menus (
    chat_id INTEGER PRIMARY KEY,
    set_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

INSERT OR IGNORE INTO admin_menus (chat_id)
    SELECT admin_id FROM audit_log UNION SELECT admin_id FROM broadcasts;

-- A recipient is checked again right before the send: one who withdrew consent (or used
-- /forget while queued) is `skipped`, never sent to. SQLite changes a CHECK only by rebuilding.
CREATE TABLE broadcast_recipients_new (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                     ('pending', 'sending', 'sent', 'blocked', 'failed', 'skipped')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    PRIMARY KEY (broadcast_id, user_id)
) STRICT, WITHOUT ROWID;

INSERT INTO broadcast_recipients_new (broadcast_id, user_id, status, attempts, error)
    SELECT broadcast_id, user_id, status, attempts, error FROM broadcast_recipients;
DROP TABLE broadcast_recipients;
ALTER TABLE broadcast_recipients_new RENAME TO broadcast_recipients;
CREATE INDEX broadcast_recipients_status ON broadcast_recipients (broadcast_id, status);
