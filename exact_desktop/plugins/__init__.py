"""The plugin system: registry, jobs, queues, the worker SDK and the built-in plugins.

Imports model and store interfaces only, never ui/ or viewer/. Plugin processes import only
`exact_desktop.plugins.sdk` (and what they compute with).
"""
