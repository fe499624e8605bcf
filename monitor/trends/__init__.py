"""Trends: terms that many more sources mention now than usually (`monitor trends`, `/trends`, the digest)."""
