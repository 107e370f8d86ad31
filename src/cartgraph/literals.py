"""Lexical checks for typed literals: "2021-13-45"^^xsd:date is an input error.

pyoxigraph's parsers accept any lexical form and the store keeps ill-typed values
as opaque strings, so the importer checks the XSD types people actually write.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from .namespaces import XSD

__all__ = ["literal_problem"]

_INT = re.compile(r"[+-]?[0-9]+")
_DEC = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DBL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN")
_TZ = r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?"
_DATE = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})" + _TZ)
_DATETIME = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                       r"(\.[0-9]+)?" + _TZ)
_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?" + _TZ)
_GYEAR = re.compile(r"-?[0-9]{4,}" + _TZ)
_GYEARMONTH = re.compile(r"-?[0-9]{4,}-(0[1-9]|1[0-2])" + _TZ)
_DURATION = re.compile(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")

_RANGES = {
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1), "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}


def _valid_day(year: str, month: str, day: str) -> bool:
    y = int(year)
    try:
        dt.date(y if 1 <= y <= 9999 else 2000, int(month), int(day))
    except ValueError:
        return False
    return True


def _date(text: str) -> bool:
    m = _DATE.fullmatch(text)
    return m is not None and _valid_day(m[1], m[2], m[3])


def _datetime(text: str) -> bool:
    m = _DATETIME.fullmatch(text)
    if not m:
        return False
    hour, minute, second = int(m[4]), int(m[5]), int(m[6])
    end_of_day = hour == 24 and minute == 0 and second == 0 and not (m[7] or "").strip(".0")
    return _valid_day(m[1], m[2], m[3]) and (end_of_day or (hour < 24 and second < 60))


def _time(text: str) -> bool:
    m = _TIME.fullmatch(text)
    return m is not None and int(m[1]) < 24 and int(m[2]) < 60 and int(m[3]) < 60


def _integer(kind: str) -> Callable[[str], bool]:
    low, high = _RANGES.get(kind, (None, None))

    def check(text: str) -> bool:
        if not _INT.fullmatch(text):
            return False
        value = int(text)
        return (low is None or value >= low) and (high is None or value <= high)

    return check


_CHECKS: dict[str, Callable[[str], bool]] = {
    XSD + "integer": _integer("integer"),
    **{XSD + kind: _integer(kind) for kind in _RANGES},
    XSD + "decimal": lambda t: bool(_DEC.fullmatch(t)),
    XSD + "double": lambda t: bool(_DBL.fullmatch(t)),
    XSD + "float": lambda t: bool(_DBL.fullmatch(t)),
    XSD + "boolean": lambda t: t in {"true", "false", "1", "0"},
    XSD + "date": _date,
    XSD + "dateTime": _datetime,
    XSD + "dateTimeStamp": lambda t: _datetime(t) and bool(re.search(r"(Z|[+-]\d\d:\d\d)$", t)),
    XSD + "time": _time,
    XSD + "gYear": lambda t: bool(_GYEAR.fullmatch(t)),
    XSD + "gYearMonth": lambda t: bool(_GYEARMONTH.fullmatch(t)),
    XSD + "duration": lambda t: bool(_DURATION.fullmatch(t)),
}


def literal_problem(lexical: str, datatype: str) -> str | None:
    """A message if ``lexical`` is not a valid form of ``datatype``, else None."""
    check = _CHECKS.get(datatype)
    if check is None or check(lexical):
        return None
    return f'ill-typed literal "{lexical[:60]}"^^xsd:{datatype.removeprefix(XSD)}'
