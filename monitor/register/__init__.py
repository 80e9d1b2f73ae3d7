"""The council register: every current and former UK principal council (and, marked as not
principal, the combined authorities), built by :mod:`monitor.register.build` and shipped as
``councils.json``."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from monitor.types import Council

__all__ = [
    "Register",
    "load_bodies",
    "load_outlets",
    "load_places",
    "load_regional_outlets",
    "load_register",
]

REGISTER_FILE = Path(__file__).with_name("councils.json")
#: local news outlets whose patch is one council (hand-kept: domain, GSS, council, note)
OUTLETS_FILE = Path(__file__).with_name("outlets.csv")
#: towns and districts inside each current principal council (hand-kept: GSS, council,
#: places separated by ";"), for items that name a town and never its council
PLACES_FILE = Path(__file__).with_name("places.csv")
#: companies and bodies that stand for one council (hand-kept: GSS, council, names
#: separated by ";", note): "Robin Hood Energy" is Nottingham's, "Thameswey" Woking's
BODIES_FILE = Path(__file__).with_name("bodies.csv")
# outlets that cover a region rather than one council: they tell "Bangor" in Belfast from
# Bangor in Gwynedd, never a council by themselves
REGIONAL_OUTLETS_FILE = Path(__file__).with_name("regional_outlets.csv")
_GSS_RE = re.compile(r"^[ENSWK]\d{8}$|^95[A-Z]$", re.IGNORECASE)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _council(row: dict) -> Council:
    return Council(
        gss=row["gss"],
        code=row["code"],
        name=row["name"],
        short_name=row["short_name"],
        type=row["type"],
        type_name=row["type_name"],
        nation=row["nation"],
        region=row["region"],
        current=row["current"],
        principal=row["principal"],
        start_date=_date(row["start_date"]),
        end_date=_date(row["end_date"]),
        successors=tuple(row["successors"]),
        predecessors=tuple(row["predecessors"]),
        parent_gss=row["parent_gss"],
        homepage=row["homepage"],
        committee_system=row["committee_system"],
        committee_url=row["committee_url"],
        committee_url_confirmations=row["committee_url_confirmations"],
        aliases=tuple(row["aliases"]),
        sites=tuple(row.get("sites", ())),
    )


def _norm(name: str) -> str:
    name = name.casefold().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


class Register:
    """Councils by GSS code, with lookup by name or alias and suggestions on a typo."""

    def __init__(self, councils: list[Council]) -> None:
        self.councils = councils
        self.by_gss = {c.gss.upper(): c for c in councils}
        self._by_name: dict[str, list[Council]] = {}
        for c in councils:
            for name in (c.name, c.short_name, c.code, *c.aliases):
                bucket = self._by_name.setdefault(_norm(name), [])
                if c not in bucket:
                    bucket.append(c)
        self._choices = {c.gss: f"{c.name} ({c.short_name})" for c in councils}

    def __len__(self) -> int:
        return len(self.councils)

    def __iter__(self) -> Iterator[Council]:
        return iter(self.councils)

    def get(self, gss: str) -> Council | None:
        return self.by_gss.get(gss.strip().upper())

    def current(self, *, principal_only: bool = True) -> list[Council]:
        return [c for c in self.councils if c.current and (c.principal or not principal_only)]

    def find(self, query: str) -> list[Council]:
        """Councils whose code, name or alias is ``query`` (several when it is ambiguous).

        Current councils come first, so "Durham" gives Durham County Council before any
        former authority of that name.
        """
        query = query.strip()
        if _GSS_RE.match(query):
            found = self.get(query)
            return [found] if found else []
        matches = self._by_name.get(_norm(query), [])
        return sorted(matches, key=lambda c: (not c.current, not c.principal, c.name))

    def suggest(self, query: str, limit: int = 5) -> list[Council]:
        """The closest names to a query that matched nothing."""
        results = process.extract(
            query, self._choices, scorer=fuzz.WRatio, limit=limit, processor=lambda s: _norm(s)
        )
        return [self.by_gss[gss] for _, score, gss in results if score >= 50]


@lru_cache(maxsize=1)
def load_register(path: Path = REGISTER_FILE) -> Register:
    rows = json.loads(path.read_text(encoding="utf-8"))
    return Register([_council(row) for row in rows])


@lru_cache(maxsize=1)
def load_outlets(path: Path = OUTLETS_FILE) -> dict[str, str]:
    """Domain (without ``www.``) -> the GSS code of the one council a local outlet covers."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["domain"].lower(): row["gss"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def load_regional_outlets(path: Path = REGIONAL_OUTLETS_FILE) -> dict[str, tuple[str, ...]]:
    """Domain (without ``www.``) -> the register regions a regional outlet covers."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["domain"].lower(): tuple(r.strip() for r in row["regions"].split(";"))
            for row in csv.DictReader(fh)
        }


@lru_cache(maxsize=1)
def load_places(path: Path = PLACES_FILE) -> dict[str, list[str]]:
    """GSS code -> the towns and districts of that council that the press names."""
    return _names_by_council(path, "places")


@lru_cache(maxsize=1)
def load_bodies(path: Path = BODIES_FILE) -> dict[str, list[str]]:
    """GSS code -> the council's own companies and bodies that the press names alone."""
    return _names_by_council(path, "names")


def _names_by_council(path: Path, column: str) -> dict[str, list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["gss"]: [p.strip() for p in row[column].split(";") if p.strip()]
            for row in csv.DictReader(fh)
        }
