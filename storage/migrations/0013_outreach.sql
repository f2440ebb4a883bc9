-- News only to those who want it: NULL = not asked yet, 0 = no, 1 = yes. Kept with consent.
ALTER TABLE users ADD COLUMN news_opt_in INTEGER CHECK (news_opt_in IN (0, 1));

-- Named deep links for schools, fairs and posters: t.me/<bot>?start=<code>. People who came by
-- one have `users.source = code`.
CREATE TABLE links (
    code        TEXT PRIMARY KEY,               -- [A-Za-z0-9_-], at most 64 characters
    name        TEXT NOT NULL,
    created_by  INTEGER NOT NULL,               -- the admin's Telegram id
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Classes of a teacher (or a parent, or a centre's career adviser). `user_id` is the owner, so
-- the owner's /forget deletes the class and, by cascade, who was in it.
CREATE TABLE classes (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX classes_owner ON classes (user_id);

-- A pupil is in at most one class: the latest one opened. Kept with consent only.
CREATE TABLE class_members (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    class_id    INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    joined_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX class_members_class ON class_members (class_id);

-- A person's result shared by a link (?start=r_<token>): deleted with the result, with
-- withdrawn consent and with /forget.
CREATE TABLE shared_results (
    token       TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    result_id   INTEGER NOT NULL REFERENCES quiz_results (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX shared_results_user ON shared_results (user_id);
