-- Who may enrol in a programme and when, and the person's age band and status.
ALTER TABLE programs ADD COLUMN min_age BIGINT;            -- whole years, inclusive
ALTER TABLE programs ADD COLUMN max_age BIGINT;
ALTER TABLE programs ADD COLUMN statuses TEXT NOT NULL DEFAULT '';  -- '|'-separated; '' = any
ALTER TABLE programs ADD COLUMN status_mask BIGINT NOT NULL DEFAULT 0;  -- the same as bits
ALTER TABLE programs ADD COLUMN residents_only TEXT REFERENCES regions (slug);
ALTER TABLE programs ADD COLUMN enroll_from TEXT;          -- ISO date
ALTER TABLE programs ADD COLUMN enroll_until TEXT;         -- ISO date; after it, never listed

-- The 2020 intake for Petersburg residents hit by the pandemic is no longer shipped; a copy
-- already in the database stays for the applications that name it, closed for enrolment.
UPDATE programs SET enroll_until = '2020-12-31', residents_only = 'saint-petersburg-city'
    WHERE id = 'real-spb-48-professions-2020';

-- Kept with consent, like the role.
ALTER TABLE users ADD COLUMN age_band TEXT
    CHECK (age_band IN ('u14', '14_17', '18_34', '35_49', '50p'));
ALTER TABLE users ADD COLUMN status TEXT
    CHECK (status IN ('school', 'student', 'working', 'not_working', 'parental_leave', 'retired'));
