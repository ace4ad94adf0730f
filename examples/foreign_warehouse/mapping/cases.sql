-- cases: Marble cases. The inbox is the owning team (inbox names mapped to team codes in
-- business.toml), Marble's statuses map to ours there too. Resolved: when the case was
-- last set to resolved or discarded. No priority: config [priority] assigns one.
SELECT
  c.id AS case_key,
  c.created_at AS opened_at,
  c.detection_id AS detection_key,
  c.track_uri AS track_key,
  CASE
    WHEN length(trim(c.country)) = 2 THEN upper(trim(c.country))
    ELSE CASE lower(trim(c.country))
      WHEN 'sweden' THEN 'SE' WHEN 'norway' THEN 'NO' WHEN 'denmark' THEN 'DK'
      WHEN 'finland' THEN 'FI' WHEN 'germany' THEN 'DE' WHEN 'france' THEN 'FR'
      WHEN 'united kingdom' THEN 'GB' WHEN 'united states' THEN 'US' WHEN 'brazil' THEN 'BR'
      WHEN 'mexico' THEN 'MX' WHEN 'spain' THEN 'ES' WHEN 'italy' THEN 'IT'
      WHEN 'netherlands' THEN 'NL' WHEN 'poland' THEN 'PL' WHEN 'japan' THEN 'JP'
    END
  END AS market,
  i.name AS owner_team,
  CASE WHEN c.status IN ('resolved', 'discarded') THEN closed.closed_at END AS resolved_at,
  c.status
FROM marble_cases AS c
JOIN marble_inboxes AS i ON i.id = c.inbox_id
LEFT JOIN (
  SELECT case_id, MAX(created_at) AS closed_at
  FROM marble_case_events
  WHERE event_type = 'status_updated' AND new_value IN ('resolved', 'discarded')
  GROUP BY case_id
) AS closed ON closed.case_id = c.id
