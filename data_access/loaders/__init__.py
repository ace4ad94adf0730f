"""The cached functions pages call: (scope, Filters, ...) -> small aggregated DataFrame.

Every loader is ``st.cache_data`` with a ttl, keyed by the warehouse, the viewer's scope and
the filters, so one viewer's rows are never served to another and a second warehouse in
the same process never sees the first one's results.
"""
