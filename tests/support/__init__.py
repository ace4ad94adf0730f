"""Test helpers shared across the suite: optional components, a throwaway PostgreSQL, browsers."""
