-- People who talk to the bot. Without consent a row holds only the id, the chosen
-- language and technical flags; names, role, region and source need consent.
-- (PostgreSQL: the same schema as ../0001_init.sql; times stay ISO 8601 text in UTC.)
CREATE TABLE users (
    id                   BIGINT PRIMARY KEY,           -- Telegram user id
    first_name           TEXT,
    last_name            TEXT,
    username             TEXT,
    locale               TEXT,                         -- saved choice; NULL = follow Telegram
    role                 TEXT CHECK (role IN ('student', 'adult', 'parent')),
    region_slug          TEXT,
    source               TEXT,                         -- first deep-link payload, set once
    consent_given_at     TEXT,
    consent_withdrawn_at TEXT,
    created_at           TEXT NOT NULL
                             DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
    last_seen_at         TEXT,
    is_blocked           BIGINT NOT NULL DEFAULT 0 CHECK (is_blocked IN (0, 1))
);

CREATE INDEX users_role ON users (role) WHERE consent_given_at IS NOT NULL;

-- aiogram FSM state and data, so a conversation survives a restart.
CREATE TABLE fsm_state (
    storage_key TEXT PRIMARY KEY,                      -- built by aiogram's key builder
    user_id     BIGINT NOT NULL,
    chat_id     BIGINT NOT NULL,
    state       TEXT,
    data        TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX fsm_state_user ON fsm_state (user_id);
