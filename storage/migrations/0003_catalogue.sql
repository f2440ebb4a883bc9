-- Reference data (facts with sources), loaded from the packaged files on start.
CREATE TABLE regions (
    slug             TEXT PRIMARY KEY,
    name_ru          TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    federal_district TEXT NOT NULL,
    capital_ru       TEXT NOT NULL,
    capital_en       TEXT NOT NULL,
    lat              REAL NOT NULL,
    lon              REAL NOT NULL,
    timezone         TEXT NOT NULL,
    aliases          TEXT NOT NULL DEFAULT ''          -- '|'-separated words people type
) STRICT;

CREATE TABLE centers (
    id                TEXT PRIMARY KEY,
    region_slug       TEXT NOT NULL REFERENCES regions (slug),
    city              TEXT,
    name              TEXT NOT NULL,
    host_organization TEXT,
    address           TEXT,
    website           TEXT,
    industry          TEXT,
    opened_year       INTEGER,
    lat               REAL NOT NULL,
    lon               REAL NOT NULL,
    -- 'region': the pin is the regional capital, never to be shown as the location
    coords_precision  TEXT NOT NULL CHECK (coords_precision IN ('city', 'region')),
    status            TEXT NOT NULL CHECK (status IN ('open', 'planned')),
    source_url        TEXT NOT NULL,
    notes             TEXT
) STRICT;

-- "Centers near a point" is a bounding-box range on this index, refined by exact distance.
CREATE INDEX centers_position ON centers (lat, lon);
CREATE INDEX centers_region ON centers (region_slug);

CREATE TABLE programs (
    id             TEXT PRIMARY KEY,                   -- stable external id, imports upsert by it
    title          TEXT NOT NULL,
    center_id      TEXT REFERENCES centers (id),       -- NULL: online, any region
    region_slug    TEXT REFERENCES regions (slug),
    description    TEXT,
    duration_hours INTEGER,
    duration_weeks INTEGER,
    -- the filter value: duration_weeks, else estimated from hours; NULL when both are unknown
    study_weeks    INTEGER,
    format         TEXT CHECK (format IN ('in_person', 'online', 'blended')),
    is_free        INTEGER CHECK (is_free IN (0, 1)),
    price_rub      INTEGER,
    audience       TEXT NOT NULL DEFAULT '',           -- '|'-separated; '' = everyone
    audience_mask  INTEGER NOT NULL DEFAULT 0,         -- the same as bits, for the filter
    w_r REAL NOT NULL, w_i REAL NOT NULL, w_a REAL NOT NULL,
    w_s REAL NOT NULL, w_e REAL NOT NULL, w_c REAL NOT NULL,
    -- the weights scaled to unit length: the fit is a plain dot product
    u_r REAL NOT NULL, u_i REAL NOT NULL, u_a REAL NOT NULL,
    u_s REAL NOT NULL, u_e REAL NOT NULL, u_c REAL NOT NULL,
    klimov         TEXT,
    next_start     TEXT,                               -- ISO date
    enroll_url     TEXT,
    source_url     TEXT,
    is_sample      INTEGER NOT NULL DEFAULT 0 CHECK (is_sample IN (0, 1)),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE INDEX programs_center ON programs (center_id);

CREATE TABLE catalogue_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Where the person is and what they want from a program (kept with consent).
ALTER TABLE users ADD COLUMN place_lat REAL;
ALTER TABLE users ADD COLUMN place_lon REAL;
ALTER TABLE users ADD COLUMN place_precision TEXT
    CHECK (place_precision IN ('point', 'city', 'region'));
ALTER TABLE users ADD COLUMN preferences TEXT;         -- JSON: max_weeks, format, free_only

-- Applications to programs; contacts are passed to the center with the person's consent.
CREATE TABLE leads (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL,
    program_id    TEXT NOT NULL,
    center_id     TEXT,
    program_title TEXT NOT NULL,                       -- as the person saw it
    name          TEXT,
    phone         TEXT NOT NULL,                       -- +7XXXXXXXXXX
    quiz_code     TEXT,
    delivered     INTEGER NOT NULL DEFAULT 0 CHECK (delivered IN (0, 1)),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (user_id, program_id)
) STRICT;

-- A question copied into the consultant chat, so a reply to it finds its way back.
CREATE TABLE consultant_messages (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (chat_id, message_id)
) STRICT;

CREATE INDEX consultant_messages_user ON consultant_messages (user_id);
