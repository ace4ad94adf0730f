"""The only code that knows the warehouse: schema, engine, filters, queries, loaders, marts."""
