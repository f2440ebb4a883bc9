-- Centres as operators: each centre may have its own admins and one staff chat, which get
-- that centre's applications and questions; leads carry the status the staff set.

-- A centre admin manages one centre (its programmes, leads, numbers). Network admins are
-- ADMIN_IDS and are not rows here. `user_id`: /forget of the admin removes the role too.
CREATE TABLE centre_admins (
    user_id    BIGINT PRIMARY KEY,
    center_id  TEXT NOT NULL,
    added_by   BIGINT NOT NULL,
    created_at TEXT NOT NULL
                   DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
);

CREATE INDEX centre_admins_center ON centre_admins (center_id);

-- The group where a centre's staff get its applications and questions.
CREATE TABLE centre_chats (
    center_id  TEXT PRIMARY KEY,
    chat_id    BIGINT NOT NULL UNIQUE,
    bound_by   BIGINT NOT NULL,
    created_at TEXT NOT NULL
                   DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
);

-- One-time codes for `/bind <code>` in a group, given in private to an admin.
CREATE TABLE centre_bind_codes (
    code       TEXT PRIMARY KEY,
    center_id  TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL               -- Unix time
);

-- Where the staff are with an application: new → contacted → enrolled / declined (reason).
ALTER TABLE leads ADD COLUMN stage TEXT NOT NULL DEFAULT 'new'
    CHECK (stage IN ('new', 'contacted', 'enrolled', 'declined'));
ALTER TABLE leads ADD COLUMN stage_reason TEXT;       -- why declined: a preset reason's code
ALTER TABLE leads ADD COLUMN stage_at TEXT;           -- the last change of the stage
ALTER TABLE leads ADD COLUMN stage_by BIGINT;         -- who changed it (a staff member's id)
ALTER TABLE leads ADD COLUMN contacted_at TEXT;       -- the first change away from 'new'
ALTER TABLE leads ADD COLUMN flagged_at TEXT;         -- told the centre's admins it waits

CREATE INDEX leads_center ON leads (center_id);

-- Applications from before this version are not flagged as untouched all at once.
UPDATE leads SET flagged_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
