"""The command line, a front end like the app: `python -m recsys_core COMMAND` (see main.py)."""
