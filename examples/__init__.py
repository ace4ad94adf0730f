"""Worked examples: warehouses shaped like other platforms' and how they map to the project."""
