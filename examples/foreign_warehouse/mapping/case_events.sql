-- case_events: Marble's case events. inbox_changed is a hand-off between teams (its values
-- are inbox ids: their names are mapped to team codes in business.toml).
SELECT
  e.id AS case_event_key,
  e.case_id AS case_key,
  e.created_at AS event_at,
  e.event_type,
  CASE WHEN e.event_type = 'inbox_changed' THEN before_inbox.name END AS from_team,
  CASE WHEN e.event_type = 'inbox_changed' THEN after_inbox.name END AS to_team
FROM marble_case_events AS e
LEFT JOIN marble_inboxes AS before_inbox ON before_inbox.id = e.previous_value
LEFT JOIN marble_inboxes AS after_inbox ON after_inbox.id = e.new_value
