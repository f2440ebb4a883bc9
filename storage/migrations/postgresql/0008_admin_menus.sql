-- Chats that were given the admin command menu: at start, the menu is deleted from those no
-- longer in ADMIN_IDS. Admins known from earlier actions may have it from before this table.
CREATE TABLE admin_menus (
    chat_id BIGINT PRIMARY KEY,
    set_at  TEXT NOT NULL
                DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
);

INSERT INTO admin_menus (chat_id)
    SELECT admin_id FROM audit_log UNION SELECT admin_id FROM broadcasts
    ON CONFLICT DO NOTHING;

-- A recipient is checked again right before the send: one who withdrew consent (or used
-- /forget while queued) is `skipped`, never sent to. (SQLite rebuilds the table for this;
-- here the CHECK named in 0004 is replaced.)
ALTER TABLE broadcast_recipients
    DROP CONSTRAINT broadcast_recipients_status_check,
    ADD CONSTRAINT broadcast_recipients_status_check CHECK (status IN
        ('pending', 'sending', 'sent', 'blocked', 'failed', 'skipped'));
