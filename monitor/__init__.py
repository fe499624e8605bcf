"""Lagebild: watches platform newsrooms, changelogs, blogs and legal sources for social media teams."""

__version__ = "0.1.0"
