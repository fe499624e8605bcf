"""The web archive: server-rendered pages, a JSON API, an RSS feed and exports over the store."""

from monitor.web.app import create_app, serve

__all__ = ["create_app", "serve"]
