-- catalogue: one row per track, keyed by URI, with names as the pages show them.
SELECT
  track_uri AS track_key,
  isrc,
  title,
  artist_uri AS artist_key,
  artist_name,
  label_uri AS label_key,
  label_name,
  distributor_uri AS distributor_key,
  distributor_name,
  genre,
  CAST(ROUND(duration_ms / 1000.0) AS INTEGER) AS duration_s,
  released_on AS release_date
FROM catalogue_tracks
