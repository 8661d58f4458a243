"""The plugin's own failures, beside the REST API's."""

from __future__ import annotations

from exact_desktop.rest.errors import ExactApiError


class PluginError(ExactApiError):
    """A plugin or its run cannot go on (no model file, a type missing on the server, a job for
    another image); the message says why. An `ExactApiError`, so whoever reports a failed request
    to EXACT reports this one the same way."""
