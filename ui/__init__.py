"""Streamlit-side helpers shared by the pages: session state, caching, charts. No model maths here."""
