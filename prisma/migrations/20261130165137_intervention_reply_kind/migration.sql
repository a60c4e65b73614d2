-- No change needed for this database.
SELECT 1;
