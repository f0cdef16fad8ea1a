-- `desired_retention` is a real, and the check compared it with double precision bounds:
-- 0.97 stored as a real is 0.9700000286, past 0.97, so the highest retention the API accepts
-- broke the check (a 500). Compare reals with reals.
ALTER TABLE users DROP CONSTRAINT users_desired_retention_check;
ALTER TABLE users ADD CONSTRAINT users_desired_retention_check
    CHECK (desired_retention BETWEEN 0.80::real AND 0.97::real);
