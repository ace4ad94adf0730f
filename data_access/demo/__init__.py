"""The synthetic warehouse generator: the embedded default's data.

``python -m data_access.demo [--url URL] [--scale N] [--seed S]`` builds a complete,
deterministic warehouse (dimensions, facts, marts) into any SQLAlchemy URL. The figures it
targets are listed in docs/DEMO_DATA.md.
"""
