-- The settlement a person named («Кунгур»): its GeoNames id in bot/data/towns.csv. NULL for a
-- region picked from the list and for a shared location (the point itself is kept).
ALTER TABLE users ADD COLUMN place_town BIGINT;
