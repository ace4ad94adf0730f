"""Pure query builders: (Filters, Scope, ...) -> SQLAlchemy Select, bound parameters only.

Builders never run anything; loaders do. One module per subject; ``common`` holds the
predicates every builder shares (filters and the viewer's scope).
"""
