"""The embedded EXACT-compatible REST API over the local mirror, for plugins running offline.

Same paths, fields and behaviour as the EXACT server (../shared/exact/NOTES.md), so a plugin
written for EXACT (with exact-sync or plain HTTP) works here unchanged.
"""
