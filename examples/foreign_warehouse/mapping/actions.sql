-- actions: the payments ledger's enforcement entries, in USD / EUR / SEK ([fx] converts).
-- collected_amount is what was collected of a fee, and a reversal keeps its row.
SELECT
  l.entry_id AS action_key,
  l.detection_id AS detection_key,
  l.action_code AS action,
  l.booked_at AS applied_at,
  l.track_uri AS track_key,
  CASE
    WHEN length(trim(l.country)) = 2 THEN upper(trim(l.country))
    ELSE CASE lower(trim(l.country))
      WHEN 'sweden' THEN 'SE' WHEN 'norway' THEN 'NO' WHEN 'denmark' THEN 'DK'
      WHEN 'finland' THEN 'FI' WHEN 'germany' THEN 'DE' WHEN 'france' THEN 'FR'
      WHEN 'united kingdom' THEN 'GB' WHEN 'united states' THEN 'US' WHEN 'brazil' THEN 'BR'
      WHEN 'mexico' THEN 'MX' WHEN 'spain' THEN 'ES' WHEN 'italy' THEN 'IT'
      WHEN 'netherlands' THEN 'NL' WHEN 'poland' THEN 'PL' WHEN 'japan' THEN 'JP'
    END
  END AS market,
  l.royalty_month AS royalty_period,
  l.plays_removed AS streams_removed,
  l.amount,
  l.currency,
  l.collected_amount AS recovered_amount,
  l.reversed_at
FROM payments_ledger AS l
