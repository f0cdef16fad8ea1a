-- The name the web app shows in its account menu. Nullable so an account can exist without
-- one, but every account made through the API or the CLI gets one (the email's local part
-- unless given), and the accounts made before this migration get theirs here.
ALTER TABLE users
    ADD COLUMN display_name text CHECK (char_length(display_name) BETWEEN 1 AND 80);

UPDATE users SET display_name = nullif(btrim(left(regexp_replace(email, '@[^@]*$', ''), 80)), '');
