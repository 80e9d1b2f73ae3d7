"""The web service: pages, the JSON API and access control (see :mod:`monitor.web.app`)."""

from monitor.web.app import create_app

__all__ = ["create_app"]
