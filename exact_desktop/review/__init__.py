"""Reviewing plugin results, Qt-free: a queue of candidates and the decisions taken on them, each
an undoable edit over the store. The window, the command line and tests drive the same session."""
