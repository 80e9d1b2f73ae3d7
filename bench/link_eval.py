"""Council linking measured on labelled items (issue #5's targets).

For every item whose ``councils`` name at least one principal council of the register
(current or former, any nation), the linker's primary councils are compared with the
labelled ones:

* primary found: at least one labelled council is among the primary links;
* no wrong primary: every primary link is a labelled council.

Labelled names that are not principal councils (town and parish councils, combined
authorities) are not counted.  The items are then split by whether their own words
(text, headline or address) carry a labelled council's name or a register alias (our
gazetteer of towns is left out, so that the split does not depend on it): the others
reach their council only through a town, an outlet, a site's name, or not at all ("a
Surrey council", a national list of councils).  Prints the figures and, for each miss, how
the linker was (or was not) led to a council, so that misses can be told apart: nothing
named at all, a wrong council named, or a right one only mentioned.

    python bench/link_eval.py ../shared/eval/dev.jsonl ../shared/eval/dev_extra.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.linking import normalise_name
from monitor.enrich import get_linker
from monitor.register import load_register
from monitor.replay import parse_date
from monitor.types import Council


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--misses", action="store_true", help="list the ids of misses")
    args = parser.parse_args()
    register = load_register()
    linker = get_linker()
    counted = found = clean = 0
    evident = evident_found = 0
    why: Counter[str] = Counter()
    unknown: Counter[str] = Counter()  # principal councils the register lacks
    by_method: Counter[str] = Counter()
    for path in args.files:
        for line in path.open(encoding="utf-8"):
            if not line.strip():
                continue
            row = json.loads(line)
            gold: set[str] = set()
            for name in row.get("councils") or []:
                matches = [c for c in register.find(name) if c.principal]
                if len({c.gss for c in matches}) == 1:
                    gold.add(matches[0].gss)
                elif not matches and name.endswith("Council") and not _LOCAL_NAME.search(name):
                    unknown[name] += 1
            if not gold:
                continue
            counted += 1
            when: date | None = parse_date(row.get("date"))
            links = linker.link(row["text"], title=row.get("title"), when=when, url=row.get("url"))
            primary = {lk.gss for lk in links if lk.role == "primary"}
            for lk in links:
                if lk.role == "primary":
                    by_method[lk.method] += 1
            hit = bool(primary & gold)
            found += hit
            words = (
                " "
                + normalise_name(f"{row.get('title') or ''} {row['text']} {row.get('url') or ''}")
                + " "
            )
            if any(_named(register.by_gss[g], words) for g in gold):
                evident += 1
                evident_found += hit
            clean += primary <= gold
            if not hit:
                reason = (
                    "nothing linked"
                    if not links
                    else "labelled council only mentioned"
                    if {lk.gss for lk in links} & gold
                    else "only other councils linked"
                )
                why[reason] += 1
                if args.misses:
                    print(f"miss {row.get('id')}: {reason}")
    print(f"items naming a principal council: {counted}")
    print(f"primary found:    {found / counted:.1%} ({found})  target 95%")
    print(f"no wrong primary: {clean / counted:.1%} ({clean})  target 95%")
    rest, rest_found = counted - evident, found - evident_found
    print(
        f"  naming the council: {evident} items, found {evident_found / evident:.1%}"
        f" ({evident_found}); not naming it: {rest}, found {rest_found / rest:.1%}"
        f" ({rest_found})"
    )
    print("misses: " + ", ".join(f"{k} {v}" for k, v in why.most_common()))
    print("primary links by evidence: " + ", ".join(f"{k} {v}" for k, v in by_method.items()))
    if unknown:
        # not counted above, and not hidden: a principal council's name the register does
        # not know (councils abolished before its sources begin)
        print(
            "labelled with a principal council the register lacks (not counted): "
            + ", ".join(f"{k} {v}" for k, v in unknown.most_common())
        )


# a principal council's name, not a town's, parish's or combined authority's
_LOCAL_NAME = re.compile(r"\b(Town|Parish|Community) Council$")


def _named(council: Council, words: str) -> bool:
    names = {council.name, council.short_name, *council.aliases}
    return any(f" {n} " in words for n in (normalise_name(x) for x in names) if len(n) >= 3)


if __name__ == "__main__":
    main()
