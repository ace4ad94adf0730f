"""Streamlit glue shared by app.py and the pages: global filters, viewer, rendering helpers.

Only this package and pages/ import streamlit for UI; it never builds SQL.
"""
