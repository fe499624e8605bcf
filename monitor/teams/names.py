"""People's and teams' names as typed into a form or a command: one line of visible text.

A name is shown in the archive, in the team switcher and in `monitor user list`, and typed
again to sign in; a control character (NUL, an escape sequence that recolours a terminal),
an invisible one (a zero-width space) or an unassigned code point would make it unreadable
there or impossible to type again. Runs of white space are one space.
"""

from __future__ import annotations

import unicodedata

NAME_CHARS = 200        # config.User.name's bound, and what the sign-in form reads


def readable_name(raw: str) -> str | None:
    """`raw` with its white space folded, or None when it is empty, longer than NAME_CHARS or
    holds a character of Unicode's category C (control, format, surrogate, private, unassigned)."""
    name = " ".join(raw.split())
    if not name or len(name) > NAME_CHARS or any(unicodedata.category(c).startswith("C") for c in name):
        return None
    return name
