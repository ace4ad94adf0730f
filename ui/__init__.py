"""Streamlit glue shared by app.py and the pages: global filters, viewer, rendering helpers.

Only this package and app_pages/ import streamlit for UI; it never builds SQL.
"""
