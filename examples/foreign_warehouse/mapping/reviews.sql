-- reviews: every decision of the review tool, second reviews included (the project keeps
-- the last decided one). An open review has no verdict yet: it is pending.
SELECT
  id AS review_key,
  detection_id AS detection_key,
  created_at AS queued_at,
  opened_at AS started_at,
  decided_at,
  reviewer_email AS reviewer,
  COALESCE(verdict, 'pending') AS verdict
FROM review_decisions
