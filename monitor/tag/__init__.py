"""Tag: the bridge to the tagger in `classifiers/`, the legal-page rule, `monitor classify` and `monitor train`."""
