"""Stories: reports of the same event across sources, grouped into one story cluster."""
