"""The input layer: what a team's own warehouse hands the project (contract), how it is
mapped (one SELECT per input in ``<input>.sql``, or a column map), checked (checks) and
turned into the star schema the marts read (build). ``python -m data_access.inputs --help``.
"""
