-- detections: the detection service's output. The reason code is the typology (mapped in
-- business.toml). flagged_plays counts plays, short ones included, not royalty-bearing
-- streams, so streams_flagged is left to the project's attribution ([attribution]).
SELECT
  d.id AS detection_key,
  d.created_at AS detected_at,
  d.model_name AS detector,
  d.model_version AS detector_version,
  d.reason_code AS typology,
  d.track_uri AS track_key,
  CASE
    WHEN length(trim(d.country)) = 2 THEN upper(trim(d.country))
    ELSE CASE lower(trim(d.country))
      WHEN 'sweden' THEN 'SE' WHEN 'norway' THEN 'NO' WHEN 'denmark' THEN 'DK'
      WHEN 'finland' THEN 'FI' WHEN 'germany' THEN 'DE' WHEN 'france' THEN 'FR'
      WHEN 'united kingdom' THEN 'GB' WHEN 'united states' THEN 'US' WHEN 'brazil' THEN 'BR'
      WHEN 'mexico' THEN 'MX' WHEN 'spain' THEN 'ES' WHEN 'italy' THEN 'IT'
      WHEN 'netherlands' THEN 'NL' WHEN 'poland' THEN 'PL' WHEN 'japan' THEN 'JP'
    END
  END AS market,
  d.score
FROM detection_events AS d
