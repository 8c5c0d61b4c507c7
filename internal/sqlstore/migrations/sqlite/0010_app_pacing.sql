-- One schedule per application for the requests of every replica, so that
-- together they keep to the app's rate limit: pace_tat is the theoretical
-- arrival time of the app's next request (the generic cell rate algorithm),
-- in BIGINT microseconds since the Unix epoch (UTC); 0 when never paced.
ALTER TABLE app_idm ADD COLUMN pace_tat BIGINT NOT NULL DEFAULT 0;
