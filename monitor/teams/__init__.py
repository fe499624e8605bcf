"""Teams (issue 17): several teams over one archive, each seeing only the sources it subscribes to.

- identity.py: what makes two configured sources the same fetched thing (`fetch_key`).
- model.py: the `Team` value and looking teams up.
- scope.py: the one filter every item-returning query for a team goes through.
- config.py: teams/<slug>.yaml beside feeds.yaml, each in the feeds.yaml schema.
"""
