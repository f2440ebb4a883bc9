-- The quiz attempt a result finishes (the id its answer buttons carry). The last answer may
-- reach the bot twice (a webhook worker killed after saving the result, before it confirmed
-- the update): the second save finds the attempt's result and adds nothing.
ALTER TABLE quiz_results ADD COLUMN attempt TEXT;
CREATE UNIQUE INDEX quiz_results_attempt ON quiz_results (user_id, attempt)
    WHERE attempt IS NOT NULL;
