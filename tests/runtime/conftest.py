"""The running-app fixture is shared with the web tests."""

from tests.web.conftest import running_app

__all__ = ["running_app"]
