"""Tell: alert rules, instant alerts, the daily digest, shared rendering, delivery through apprise,
the outbox report."""
