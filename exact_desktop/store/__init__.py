"""Where EXACT's data lives: the Store interface and its backends (local SQLite mirror; REST later).

Imports only `model`; no Qt.
"""
