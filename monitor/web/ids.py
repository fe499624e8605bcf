"""Item ids as the web reads them: in a path (`/items/{id:item}`) and in a form (`item=`).

An id is ASCII digits that fit the database's 64-bit integers. Starlette's `int` convertor
takes any length, and a larger number overflowed in SQLite and answered 500; `str.isdigit`
also takes "²" and "٣", which `int()` refuses or reads as another number. Registered once,
on import, before the routes that name it are built.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

DIGITS = 18          # 10**18 - 1 < 2**63 - 1


class ItemId(Convertor[int]):
    regex = f"[0-9]{{1,{DIGITS}}}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("item", ItemId())


def whole_number(raw: str, digits: int = DIGITS) -> int | None:
    """`raw` as a whole number of at most `digits` ASCII digits, or None: the one test for every
    number the web reads from a URL or a form (ids, limits, offsets, pages)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= digits else None


def parse_item_id(raw: str) -> int | None:
    """A form's item id, or None when it is not one."""
    return whole_number(raw)
