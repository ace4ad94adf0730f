-- plays: one row per play event. The project counts a play of at least [streams] min_ms
-- as a stream. Countries are mostly ISO2 codes, some English names (mapped here), some
-- NULL (kept NULL: the checks report them, market slices leave them out). product_tier
-- and platform are mapped to our plan and device words in business.toml.
SELECT
  play_id AS play_key,
  played_at,
  track_uri AS track_key,
  CASE
    WHEN length(trim(p.country)) = 2 THEN upper(trim(p.country))
    ELSE CASE lower(trim(p.country))
      WHEN 'sweden' THEN 'SE' WHEN 'norway' THEN 'NO' WHEN 'denmark' THEN 'DK'
      WHEN 'finland' THEN 'FI' WHEN 'germany' THEN 'DE' WHEN 'france' THEN 'FR'
      WHEN 'united kingdom' THEN 'GB' WHEN 'united states' THEN 'US' WHEN 'brazil' THEN 'BR'
      WHEN 'mexico' THEN 'MX' WHEN 'spain' THEN 'ES' WHEN 'italy' THEN 'IT'
      WHEN 'netherlands' THEN 'NL' WHEN 'poland' THEN 'PL' WHEN 'japan' THEN 'JP'
    END
  END AS market,
  product_tier AS plan,
  platform AS device,
  ms_played,
  user_id AS listener_key
FROM plays AS p
