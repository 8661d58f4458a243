"""The plugin commands run on the same project as the plugin tests: three small images and the
test plugin (tests/plugins/conftest.py)."""

from tests.plugins.conftest import project  # noqa: F401 - the fixture, shared
