"""Reference data for the demo warehouse: markets, typologies, detectors, teams, events.

Figures follow ../shared/DOMAIN.md (payout per 1k streams from ~0.8 EUR in Argentina to
~5 EUR in Norway, typology mix, partner-team escalation mix, SLA per priority).
"""

from __future__ import annotations

from datetime import date

# The demo's calendar: 104 whole ISO weeks, Monday to Sunday. Fixed, so that the same seed
# always gives the same warehouse whatever day the generator runs.
START = date(2024, 12, 2)
END = date(2026, 11, 29)

# iso2, name, region, currency, fx_to_eur (EUR per unit), payout EUR per 1k streams,
# share of the platform's streams (relative weight).
MARKETS: tuple[tuple[str, str, str, str, float, float, float], ...] = (
    ("NO", "Norway", "Nordics & UK", "NOK", 0.086, 5.05, 1.2),
    ("SE", "Sweden", "Nordics & UK", "SEK", 0.087, 4.10, 2.2),
    ("DK", "Denmark", "Nordics & UK", "DKK", 0.134, 4.60, 1.0),
    ("FI", "Finland", "Nordics & UK", "EUR", 1.0, 3.90, 0.8),
    ("IS", "Iceland", "Nordics & UK", "ISK", 0.0066, 4.20, 0.1),
    ("GB", "United Kingdom", "Nordics & UK", "GBP", 1.17, 4.20, 7.0),
    ("IE", "Ireland", "Nordics & UK", "EUR", 1.0, 4.00, 0.8),
    ("DE", "Germany", "Continental Europe", "EUR", 1.0, 3.60, 7.5),
    ("FR", "France", "Continental Europe", "EUR", 1.0, 3.30, 5.5),
    ("NL", "Netherlands", "Continental Europe", "EUR", 1.0, 3.80, 2.0),
    ("BE", "Belgium", "Continental Europe", "EUR", 1.0, 3.40, 1.1),
    ("CH", "Switzerland", "Continental Europe", "CHF", 1.06, 4.90, 0.9),
    ("AT", "Austria", "Continental Europe", "EUR", 1.0, 3.50, 0.8),
    ("ES", "Spain", "Continental Europe", "EUR", 1.0, 2.60, 3.5),
    ("IT", "Italy", "Continental Europe", "EUR", 1.0, 2.70, 3.0),
    ("PT", "Portugal", "Continental Europe", "EUR", 1.0, 2.10, 0.8),
    ("PL", "Poland", "Continental Europe", "PLN", 0.23, 1.90, 1.8),
    ("CZ", "Czechia", "Continental Europe", "CZK", 0.040, 1.80, 0.6),
    ("RO", "Romania", "Continental Europe", "RON", 0.20, 1.30, 0.6),
    ("GR", "Greece", "Continental Europe", "EUR", 1.0, 1.70, 0.5),
    ("US", "United States", "North America", "USD", 0.92, 3.80, 19.0),
    ("CA", "Canada", "North America", "CAD", 0.68, 3.40, 2.6),
    ("MX", "Mexico", "Latin America", "MXN", 0.050, 1.20, 5.0),
    ("BR", "Brazil", "Latin America", "BRL", 0.17, 1.00, 6.0),
    ("AR", "Argentina", "Latin America", "ARS", 0.0010, 0.80, 1.5),
    ("CL", "Chile", "Latin America", "CLP", 0.00098, 1.30, 1.0),
    ("CO", "Colombia", "Latin America", "COP", 0.00023, 0.95, 1.2),
    ("PE", "Peru", "Latin America", "PEN", 0.25, 0.95, 0.6),
    ("EC", "Ecuador", "Latin America", "USD", 0.92, 0.95, 0.3),
    ("UY", "Uruguay", "Latin America", "UYU", 0.023, 1.10, 0.2),
    ("JP", "Japan", "Asia-Pacific", "JPY", 0.0062, 3.40, 3.0),
    ("KR", "South Korea", "Asia-Pacific", "KRW", 0.00068, 2.30, 0.8),
    ("AU", "Australia", "Asia-Pacific", "AUD", 0.61, 3.50, 2.4),
    ("NZ", "New Zealand", "Asia-Pacific", "NZD", 0.56, 3.30, 0.4),
    ("IN", "India", "Asia-Pacific", "INR", 0.011, 0.75, 4.0),
    ("ID", "Indonesia", "Asia-Pacific", "IDR", 0.000058, 0.85, 2.0),
    ("PH", "Philippines", "Asia-Pacific", "PHP", 0.016, 0.85, 1.5),
    ("TH", "Thailand", "Asia-Pacific", "THB", 0.026, 0.95, 0.8),
    ("VN", "Vietnam", "Asia-Pacific", "VND", 0.000037, 0.80, 0.8),
    ("MY", "Malaysia", "Asia-Pacific", "MYR", 0.20, 1.10, 0.5),
    ("SG", "Singapore", "Asia-Pacific", "SGD", 0.69, 2.60, 0.4),
    ("TW", "Taiwan", "Asia-Pacific", "TWD", 0.029, 2.00, 0.6),
    ("ZA", "South Africa", "Middle East & Africa", "ZAR", 0.050, 1.20, 0.8),
    ("NG", "Nigeria", "Middle East & Africa", "NGN", 0.00060, 0.80, 0.6),
    ("KE", "Kenya", "Middle East & Africa", "KES", 0.0071, 0.80, 0.2),
    ("EG", "Egypt", "Middle East & Africa", "EGP", 0.019, 0.80, 0.4),
    ("MA", "Morocco", "Middle East & Africa", "MAD", 0.092, 0.90, 0.3),
    ("AE", "United Arab Emirates", "Middle East & Africa", "AED", 0.25, 2.70, 0.4),
    ("SA", "Saudi Arabia", "Middle East & Africa", "SAR", 0.245, 2.20, 0.6),
    ("IL", "Israel", "Middle East & Africa", "ILS", 0.25, 2.80, 0.4),
    ("TR", "Turkey", "Middle East & Africa", "TRY", 0.027, 0.85, 1.5),
)

# code, name, share of campaigns (DOMAIN.md demo mix).
TYPOLOGIES: tuple[tuple[str, str, float], ...] = (
    ("bot_farm", "Bot farm", 0.35),
    ("ai_dilution", "AI-content dilution", 0.20),
    ("click_farm", "Click / phone farm", 0.15),
    ("playlist_stuffing", "Promo service / playlist stuffing", 0.12),
    ("account_takeover", "Account takeover", 0.08),
    ("noise_loops", "Noise / short-track loops", 0.05),
    ("distributor_fraud", "Distributor royalty fraud", 0.03),
    ("sabotage", "Sabotage", 0.02),
)

# code, name, kind, version, launched_on, precision target, median days to detect.
DETECTORS: tuple[tuple[str, str, str, str, date, float, float], ...] = (
    ("velocity_rules", "Velocity rules", "rule", "3.2", date(2022, 5, 1), 0.55, 3.0),
    ("threshold_30s", "30-second threshold rule", "rule", "1.4", date(2021, 9, 1), 0.45, 4.0),
    ("sentinel_v1", "Sentinel ML v1", "model", "1.8", date(2023, 2, 1), 0.84, 5.0),
    ("sentinel_v2", "Sentinel ML v2", "model", "2.0", date(2025, 3, 3), 0.92, 2.5),
    ("ai_classifier", "AI-content classifier", "model", "1.0", date(2026, 3, 2), 0.88, 3.0),
    (
        "partner_reports",
        "Distributor & partner reports",
        "partner_report",
        "-",
        date(2020, 1, 1),
        0.70,
        30.0,
    ),
    ("analyst_tips", "Analyst tips", "manual", "-", date(2020, 1, 1), 0.62, 9.0),
)

ENFORCEMENT_TYPES: tuple[tuple[str, str], ...] = (
    ("stream_removal", "Stream removal"),
    ("royalty_withholding", "Royalty withholding"),
    ("per_track_fee", "Per-track fee"),
    ("takedown", "Takedown"),
    ("account_suspension", "Account suspension"),
    ("warning", "Warning"),
)

# code, name, is_partner, first-response SLA hours, share of escalations.
TEAMS: tuple[tuple[str, str, bool, int, float], ...] = (
    ("fraud_ops", "Fraud Operations", False, 4, 0.0),
    ("finance", "Finance", True, 24, 0.35),
    ("legal", "Legal", True, 48, 0.20),
    ("content", "Content", True, 24, 0.20),
    ("creator_services", "Creator Services", True, 24, 0.15),
    ("alm", "Artist & Label Marketing", True, 48, 0.07),
    ("internal_audit", "Internal Audit", True, 72, 0.03),
)

# priority, first-response SLA hours, resolution SLA hours, share of cases.
PRIORITIES: tuple[tuple[str, int, int, float], ...] = (
    ("P1", 4, 3 * 24, 0.05),
    ("P2", 24, 10 * 24, 0.20),
    ("P3", 72, 30 * 24, 0.50),
    ("P4", 120, 60 * 24, 0.25),
)

SENTINEL_V2_LAUNCH = date(2025, 3, 3)
FEE_START = date(2025, 9, 1)
AI_CLASSIFIER_LAUNCH = date(2026, 3, 2)
MIN_STREAMS_POLICY = date(2026, 6, 1)

# event date, kind, title, description.
EVENTS: tuple[tuple[date, str, str, str], ...] = (
    (
        SENTINEL_V2_LAUNCH,
        "detector",
        "Sentinel ML v2 launched",
        "New model: faster detection (median ~2.5 days) and higher recall on bot and click farms.",
    ),
    (
        FEE_START,
        "policy",
        "EUR 10 per-track fee starts",
        "Labels and distributors are charged EUR 10 per track whose streams are >90% artificial.",
    ),
    (
        AI_CLASSIFIER_LAUNCH,
        "detector",
        "AI-content classifier launched",
        "Detects AI-generated dilution and noise loops; recall on them roughly doubles.",
    ),
    (
        MIN_STREAMS_POLICY,
        "policy",
        "1,000-stream royalty threshold",
        "Tracks need 1,000 streams a year to earn royalties; noise tracks must last 2+ minutes.",
    ),
)

GENRES: tuple[tuple[str, float], ...] = (
    ("pop", 0.22),
    ("hip-hop/rap", 0.18),
    ("rock", 0.10),
    ("electronic", 0.10),
    ("latin", 0.09),
    ("r&b", 0.06),
    ("background/lo-fi", 0.07),
    ("classical", 0.03),
    ("jazz", 0.03),
    ("country", 0.04),
    ("k-pop", 0.03),
    ("non-musical", 0.05),
)
