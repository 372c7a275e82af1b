"""Streamlit-only helpers shared by the pages: URL-synced widgets, sidebar, theme, figures, lectures."""
