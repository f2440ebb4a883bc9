-- Finished quizzes of people who gave consent; retaking adds a row, so history is kept.
CREATE TABLE quiz_results (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instrument  TEXT NOT NULL CHECK (instrument IN ('riasec', 'klimov')),
    answers     TEXT NOT NULL,             -- JSON list, in the order the questions were shown
    scores      TEXT NOT NULL,             -- JSON object: type -> score
    code        TEXT,                      -- 'S-A-E', 'tech+art'; NULL when undifferentiated
    vector      TEXT NOT NULL,             -- JSON object: RIASEC type -> weight 0..1
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE INDEX quiz_results_user ON quiz_results (user_id, id);
