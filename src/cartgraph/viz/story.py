"""What the page tells: where to start, what each source says, and a story in dates.

All of it is read from the graph, none of it written here:

- the *centre* is the focus, or else the entity the most claims are about
  (ties: the most linked), and each node's *rank* is its distance from the
  centre along domain relations (claims, sources and ``cg:mentions`` left out);
  the page labels nodes in rank order, as room allows;
- *sources*: each graph's title, date and link, from the source resource that
  names the graph (``dcterms:title``, ``prov:wasDerivedFrom``, ``dcterms:source``);
- *claims*: every ``cg:Claim`` as ``[claim, about, property label, value,
  stated in, check status, quote, value key, functional]`` (node indexes; the
  page flags disagreement where two sources give a functional property
  different values);
- the *story*: the centre's timeline (its own dates, claimed dates, and the dates
  of what lies within two hops, publications and studies by the date of the
  publication that reports them), then one timeline for each property that
  dates three or more entities of one class (the approvals of CAR-T products).
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import pyoxigraph as ox

from .. import graphview as an
from ..namespaces import DCTERMS, RDFS, VOCAB

__all__ = ["tell"]

XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
DATES = {XSD + "date", XSD + "gYearMonth", XSD + "gYear", XSD + "dateTime"}
NOT_EVENTS = {VOCAB + "retrieved"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
COMMENT = RDFS + "comment"
#: Bounds that keep the story short on big graphs.
MAX_STEPS, MAX_TIMELINES, MAX_NEAR = 15, 4, 12


def readable_date(text: str) -> str:
    """``2021-03`` as ``March 2021``, ``2021-08-05`` as ``5 August 2021``."""
    parts = text[:10].split("-")
    try:
        if len(parts) >= 2 and parts[0].isdigit():
            month = MONTHS[int(parts[1]) - 1]
            return f"{int(parts[2])} {month} {parts[0]}" if len(parts) == 3 \
                else f"{month} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return text


def _first(rows: list[tuple[Any, Any, str]], predicate: str) -> Any:
    for p, o, _g in rows:
        if p.value == predicate:
            return o
    return None


_DATE_TYPES = {ox.NamedNode(d) for d in DATES}


def _date(rows: list[tuple[Any, Any, str]]) -> list[tuple[str, str]]:
    """(predicate, lexical date) of each date-typed value."""
    literal, types = ox.Literal, _DATE_TYPES
    return [(p.value, o.value) for p, o, _g in rows
            if type(o) is literal and o.datatype in types and p.value not in NOT_EVENTS]


class _Teller:
    def __init__(self, c: Any, everyone: list[str], index: dict[str, int], labels: Any,
                 layer: set[str], types: dict[str, frozenset[str]], vocab: Any) -> None:
        self.c, self.everyone, self.index, self.labels = c, everyone, index, labels
        self.layer, self.types, self.vocab = layer, types, vocab
        self.rows = c.statements
        self.domain: dict[str, set[str]] = {n: set() for n in everyone if n not in layer}
        for s, p, o, _g in c.edges:
            if s in self.domain and o in self.domain and s != o and \
                    p not in an.BOOKKEEPING_PREDICATES:
                self.domain[s].add(o)
                self.domain[o].add(s)

    def label(self, node: str) -> str:
        return self.labels.get(node)

    def centre(self) -> str | None:
        if self.c.focus in self.index:
            return str(self.c.focus)
        about: dict[str, int] = {}
        for n in self.layer:
            target = _first(self.rows.get(n, []), VOCAB + "about")
            if target is not None and target.value in self.domain:
                about[target.value] = about.get(target.value, 0) + 1
        candidates = [n for n in self.everyone[:len(self.c.drawn)] if n in self.domain]
        if not candidates:
            return None
        return min(candidates, key=lambda n: (-about.get(n, 0), -len(self.domain[n]), n))

    def ranks(self, centre: str | None) -> dict[str, int]:
        found: dict[str, int] = {}
        if centre is not None:
            found[centre] = 0
            todo = deque([centre])
            while todo:
                n = todo.popleft()
                for m in sorted(self.domain[n]):
                    if m not in found:
                        found[m] = found[n] + 1
                        todo.append(m)
        return found

    def sources(self, graphs: list[str]) -> list[dict[str, str] | None]:
        out: list[dict[str, str] | None] = []
        for g in graphs:
            rows = self.rows.get(g) or (self._about(g) if "://" in g else [])
            if not rows:
                out.append(None)
                continue
            origin = _first(rows, PROV + "wasDerivedFrom")
            origin_rows = self._about(origin.value) if origin is not None else []
            title = _first(origin_rows, DCTERMS + "title") or _first(rows, DCTERMS + "title")
            name = self.labels.get(origin.value) if origin is not None and \
                origin.value in self.labels else (self.labels.get(g) if g in self.labels
                                                  else an.short(g))
            dates = sorted((d for _p, d in _date(origin_rows)), key=lambda d: (-len(d), d))
            retrieved = _first(rows, VOCAB + "retrieved")
            link = _first(rows, DCTERMS + "source") or _first(origin_rows, "http://www.w3.org/2002/07/owl#sameAs")
            out.append({
                "name": name,
                "title": title.value if title is not None else "",
                "date": readable_date(dates[0]) if dates else "",
                "checked": retrieved.value if retrieved is not None else "",
                "link": link.value if isinstance(link, ox.NamedNode) else "",
            })
        return out

    def _about(self, node: str) -> list[tuple[Any, Any, str]]:
        if node in self.rows or not node:
            return self.rows.get(node, [])
        store = self.vocab.reader.store
        found = [(p, o, an.key(g)) for _s, p, o, g in an.Reader(store).about([node])]
        self.rows[node] = found
        return found

    def functional(self) -> set[str]:
        """Properties declared owl:FunctionalProperty (one value: two values disagree)."""
        text = ("SELECT DISTINCT ?p WHERE { GRAPH ?g { ?p a "
                "<http://www.w3.org/2002/07/owl#FunctionalProperty> } }")
        return {an.key(row["p"]) for row in self.vocab.reader.store.query(text)}

    def claims(self) -> list[list[Any]]:
        out = []
        single = self.functional() if self.layer else set()
        for n in sorted(self.layer):
            rows = self.rows.get(n, [])
            about, prop = _first(rows, VOCAB + "about"), _first(rows, VOCAB + "claimedProperty")
            if about is None or prop is None or about.value not in self.index:
                continue
            values = [o for p, o, _g in rows if p.value == VOCAB + "claimedValue"]
            shown = [readable_date(v.value) if type(v) is ox.Literal and
                     v.datatype.value in DATES else v.value if type(v) is ox.Literal
                     else self.label(an.key(v)) for v in values]
            stated = _first(rows, VOCAB + "statedIn")
            status = _first(rows, VOCAB + "checkStatus")
            quote = _first(rows, VOCAB + "quote")
            self.vocab.learn([prop.value])
            out.append([self.index[n], self.index[about.value], self.vocab.label(prop.value),
                        "; ".join(sorted(shown)),
                        self.label(stated.value) if stated is not None else "",
                        status.value if status is not None else "",
                        quote.value if quote is not None else "",
                        "|".join(sorted(map(str, values))), prop.value in single])
        return out

    def dated(self, node: str) -> list[tuple[str, str]]:
        """(lexical date, what) for a node: its own dates, else its report's date."""
        rows = self.rows.get(node, [])
        own = sorted(_date(rows), key=lambda pd: -len(pd[1]))
        if own:
            return [(d, self.name(p)) for p, d in own]
        report = _first(rows, VOCAB + "reportedIn")
        if report is not None and report.value in self.rows:
            found = sorted(_date(self.rows[report.value]), key=lambda pd: pd[1])
            if found:
                return [(found[-1][1], "reported in " + self.label(report.value))]
        return []

    def name(self, predicate: str) -> str:
        """A property's label, or its local name in words (``issued``)."""
        self.vocab.learn([predicate])
        found = self.vocab.label(predicate)
        if found == an.short(predicate):
            local = re.split(r"[#/:]", predicate)[-1]
            found = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower()
        return found

    def step(self, date: str, node: str, what: str) -> dict[str, Any]:
        near = [node, *sorted(self.domain.get(node, ()))[:MAX_NEAR]]
        return {"date": readable_date(date), "title": self.label(node), "text": what,
                "nodes": [self.index[n] for n in near if n in self.index]}

    def story(self, centre: str | None, ranks: dict[str, int]) -> list[dict[str, Any]]:
        chapters = []
        seen: set[str] = set()
        if centre is not None:
            steps = []
            for d, what in self.dated(centre):
                steps.append((d, centre, what))
            for n in self.layer:
                rows = self.rows.get(n, [])
                about = _first(rows, VOCAB + "about")
                if about is None or about.value != centre:
                    continue
                for p, o, _g in rows:
                    if p.value == VOCAB + "claimedValue" and type(o) is ox.Literal and \
                            o.datatype.value in DATES:
                        stated = _first(rows, VOCAB + "statedIn")
                        status = _first(rows, VOCAB + "checkStatus")
                        prop = _first(rows, VOCAB + "claimedProperty")
                        who = self.label(stated.value) if stated is not None else "a source"
                        what = self.name(prop.value) if prop is not None else "date"
                        steps.append((o.value, centre, f"{what}, as claimed by {who}"
                                      + (f" (check: {status.value})" if status else "")))
            for n, r in ranks.items():
                # Next to the centre: what has a date; two hops away: studies and
                # the like, dated by the publication that reports them.
                dated = self.dated(n) if r == 1 else \
                    [x for x in self.dated(n) if x[1].startswith("reported in")] if r == 2 \
                    else []
                for d, what in dated[:1]:
                    steps.append((d, n, what))
            steps.sort(key=lambda s: (s[0], s[1]))
            comment = _first(self.rows.get(centre, []), COMMENT)
            intro = {"date": "", "title": self.label(centre),
                     "text": comment.value if comment is not None else "where the story starts",
                     "nodes": [self.index[n] for n in [centre, *sorted(self.domain[centre])]]}
            chapters.append({"title": f"The story of {self.label(centre)}",
                             "steps": [intro, *(self.step(*s) for s in steps)]})
            seen = {s[1] for s in steps}
        chapters += self._timelines(seen)
        return chapters

    def _timelines(self, seen: set[str]) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
        mains: dict[frozenset[str], str | None] = {}
        for n in self.domain:
            kinds = self.types.get(n, frozenset())
            main = mains[kinds] if kinds in mains else \
                mains.setdefault(kinds, self.vocab.main_class(kinds))
            if main is None:
                continue
            for p, d in _date(self.rows.get(n, [])):
                groups.setdefault((main, p), []).append((d, n))
        out = []
        for (cls, p), events in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            if len(events) < 3 or all(n in seen for _d, n in events):
                continue
            self.vocab.learn([p, cls])
            what = self.name(p)
            events.sort()
            if len(events) > MAX_STEPS:  # a big graph: evenly spaced, first and last kept
                events = [events[round(k * (len(events) - 1) / (MAX_STEPS - 1))]
                          for k in range(MAX_STEPS)]
            out.append({"title": f"Timeline: {what} of each {self.vocab.class_label(cls)}",
                        "steps": [self.step(d, n, what) for d, n in events]})
            if len(out) == MAX_TIMELINES:
                break
        return out


def tell(c: Any, everyone: list[str], index: dict[str, int], labels: Any, layer: set[str],
         types: dict[str, frozenset[str]], vocab: Any, graphs: list[str]) -> dict[str, Any]:
    """The page's ``centre``, ``ranks``, ``sources``, ``claims`` and ``story``."""
    teller = _Teller(c, everyone, index, labels, layer, types, vocab)
    centre = teller.centre()
    ranks = teller.ranks(centre)
    return {"centre": index[centre] if centre is not None else None,
            "ranks": ranks, "sources": teller.sources(graphs), "claims": teller.claims(),
            "story": teller.story(centre, ranks), "domain": teller.domain}
