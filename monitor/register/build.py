"""Build ``councils.json`` (the council register) from the public registers.

Run from the project root::

    python -m monitor.register.build --data ../shared/data

Inputs (see ``../shared/data/MANIFEST.csv`` for their provenance and licences):

* mySociety's UK local authority register: codes, names, types, dates, successors,
  alternative names and the name-to-code lookup (CC-BY-4.0);
* GOV.UK's local links manager list: homepages and county parents (MIT / Crown copyright);
* DemocracyClub LGSF's committee-system base URLs (MIT) and the merged ModernGov host list,
  which says how many public lists confirm each host.

The output is committed: a fresh clone never needs the inputs.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("councils.json")

# Councils whose type makes them principal authorities (combined authorities and the GLA
# are related bodies but not principal councils).
PRINCIPAL_TYPES = {"NMD", "UA", "MD", "LBO", "CTY", "SCO", "WPA", "NID", "CC"}

# Abbreviations the press uses for county names; applied to councils whose short name
# is the key ("Lincs") or ends with it ("North East Lincs", "South Cambs", "West Berks").
COUNTY_ABBREVIATIONS = {
    "Northamptonshire": ["Northants"],
    "Nottinghamshire": ["Notts"],
    "Lancashire": ["Lancs"],
    "Leicestershire": ["Leics"],
    "Worcestershire": ["Worcs"],
    "Gloucestershire": ["Gloucs", "Glos"],
    "Hertfordshire": ["Herts"],
    "Hampshire": ["Hants"],
    "Oxfordshire": ["Oxon"],
    "Cambridgeshire": ["Cambs"],
    "Buckinghamshire": ["Bucks"],
    "Wiltshire": ["Wilts"],
    "Staffordshire": ["Staffs"],
    "Derbyshire": ["Derbys"],
    "Lincolnshire": ["Lincs"],
    "Warwickshire": ["Warks"],
    "Bedfordshire": ["Beds"],
    "Shropshire": ["Salop"],
    "Berkshire": ["Berks"],
    "Pembrokeshire": ["Pembs"],
    "Carmarthenshire": ["Carms"],
    "Lanarkshire": ["Lanarks"],
    "Yorkshire": ["Yorks"],
}
# compass points the press writes as initials before a county's abbreviation ("NE Lincs",
# "NW Leics")
_COMPASS_INITIALS = {
    "North East ": "NE ",
    "North West ": "NW ",
    "South East ": "SE ",
    "South West ": "SW ",
    "North ": "N ",
    "South ": "S ",
    "East ": "E ",
    "West ": "W ",
}
# Initialisms in common use for particular councils (by mySociety code).
KNOWN_ABBREVIATIONS = {
    "KEC": ["RBKC", "K&C Council"],
    "SHN": ["St Helens Borough Council"],  # its name since 2021
    "WKF": ["Wakefield City Council", "City of Wakefield Council"],  # a city, unnamed so
    "LND": ["Corporation of London", "City Corporation", "Lord Mayor of London"],
    "BPC": ["BCP Council", "BCP"],
    "WNM": ["RBWM"],
    "KTT": ["RBK"],
    "TWH": ["LBTH"],
    "HMF": ["LBHF", "H&F", "H&F Council"],
    "GRE": ["RBG"],
    "ISL": ["LBI"],
    "WFT": ["LBWF"],
    "BDG": ["LBBD"],
    "NNT": ["North Northants", "North Northants Council"],
    "WNT": ["West Northants", "West Northants Council"],
    "RCT": ["RCT", "RCT Council", "RCTCBC"],
    "ABC": ["ABC Council", "ABC Borough Council"],
    "KEN": ["KCC"],
    "WSX": ["WSCC"],
    "ESX": ["ESCC"],
    "NYK": ["NYCC", "North Yorks", "North Yorks County Council"],
    "NYE": ["North Yorks", "North Yorks Council"],
    "SLA": ["South Lakes", "South Lakes Council"],
    "CCG": ["Causeway Council", "Causeway Coast Council"],
    "BRD": ["CBMDC"],
    "BAS": [
        "BANES",
        "B&NES",
        "BANES Council",
        "B&NES Council",
        "Bath and NE Somerset",
        "Bath and NE Somerset Council",
    ],
    "CHW": ["CWAC", "CWaC Council", "Cheshire West", "Cheshire West Council"],
    "NTL": ["NPT Council", "NPTCBC"],
    "SCB": ["Borders Council", "The Borders"],  # "councillors in the Borders"
    "CLK": ["Clacks Council"],
    "ELS": ["CnES"],
    "AGY": ["Ynys Môn", "Ynys Mon", "Ynys Môn Council"],
    "YOR": ["CYC"],
    "BNH": ["BHCC"],
    "MIK": ["MKC", "Milton Keynes City Council"],  # its name since city status, 2023
    "BAN": ["BDBC"],
    "NEL": ["NELC"],
    "BBD": ["BwD", "BwD Council"],
    "ERY": ["ERYC", "East Riding", "East Riding Council"],
    "NNO": ["NNDC"],
    "IOW": ["IoW Council"],
    "STR": ["Stratford District Council", "Stratford DC"],  # London's Stratford has none
    "KIN": ["West Norfolk", "West Norfolk Council", "West Norfolk Borough Council"],
    # the councils' own Welsh and Gaelic names that the register lacks
    "CMN": ["Cyngor Sir Caerfyrddin", "Cyngor Sir Gâr", "Cyngor Sir Gar"],
    "PEM": ["Cyngor Sir Penfro"],
    "HLD": ["Comhairle na Gàidhealtachd", "Comhairle na Gaidhealtachd"],
    "DGY": ["D&G Council"],
    "PKN": ["PKC", "P&K Council"],
    # names taken with city status, after the register's (2022-23)
    "COL": ["Colchester City Council"],
    "SOS": ["Southend-on-Sea City Council", "Southend City Council"],
}

# GOV.UK's list gives no homepage for these councils (formed or renamed since it was
# taken); their sites, as the councils publish them
KNOWN_HOMEPAGES = {
    "NYE": "https://www.northyorks.gov.uk/",
    "SMT": "https://www.somerset.gov.uk/",
    "FIF": "https://www.fife.gov.uk/",
    "PKN": "https://www.pkc.gov.uk/",
    "GLG": "https://www.glasgow.gov.uk/",
    "NLK": "https://www.northlanarkshire.gov.uk/",
}

# mySociety's register gives no successors for Northern Ireland's 26 districts, which the
# Local Government Act (Northern Ireland) 2014 merged into 11 on 1 April 2015 (small
# pieces of Castlereagh, Lisburn and North Down went to Belfast; the main successor is
# given).
KNOWN_SUCCESSORS = {
    **dict.fromkeys(("NIR-T", "NIR-U"), "ANN"),
    **dict.fromkeys(("NIR-W", "NIR-X"), "AND"),
    **dict.fromkeys(("NIR-N", "NIR-O", "NIR-Q"), "ABC"),
    **dict.fromkeys(("NIR-B", "NIR-C", "NIR-D", "NIR-E"), "CCG"),
    **dict.fromkeys(("NIR-A", "NIR-J"), "DRS"),
    **dict.fromkeys(("NIR-K", "NIR-L"), "FMO"),
    **dict.fromkeys(("NIR-S", "NIR-Y"), "LBC"),
    **dict.fromkeys(("NIR-F", "NIR-G", "NIR-V"), "MEA"),
    **dict.fromkeys(("NIR-H", "NIR-I", "NIR-M"), "MUL"),
    **dict.fromkeys(("NIR-P", "NIR-R"), "NMD"),
}

_SUFFIXES = [
    ("County Borough Council", ["County Borough Council", "CBC"]),
    ("Metropolitan Borough Council", ["Metropolitan Borough Council", "MBC", "Council"]),
    ("Metropolitan District Council", ["Metropolitan District Council", "MDC", "Council"]),
    ("County Council", ["County Council", "CC"]),
    ("City Council", ["City Council", "CC"]),
    ("Borough Council", ["Borough Council", "BC"]),
    ("District Council", ["District Council", "DC"]),
    ("Council", ["Council"]),
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()


def press_forms(official: str, short: str, type_code: str) -> list[str]:
    """Names the press uses: "X Council", "X County Council", "X CC", "London Borough of X"."""
    forms = [f"{short} Council"]
    for suffix, variants in _SUFFIXES:
        if official.endswith(" " + suffix):
            stem = official[: -len(suffix) - 1]
            stem = re.sub(r"^(The |City of |Royal Borough of |London Borough of )", "", stem)
            forms.extend(f"{stem} {v}" for v in variants)
            break
    if type_code == "LBO" and not official.startswith("Royal Borough of "):
        forms += [
            f"London Borough of {short}",
            f"{short} London Borough Council",
            f"{short} Borough Council",
            f"LB {short}",
        ]
    if official.startswith("Royal Borough of "):
        forms += [f"Royal Borough of {short}", f"{short} Borough Council"]
    if type_code == "CTY":
        forms += [f"{short} County Council", f"{short} CC"]
    for abbr in COUNTY_ABBREVIATIONS.get(short, []):
        forms += [abbr, f"{abbr} County Council", f"{abbr} CC", f"{abbr} Council"]
    county = short.rsplit(" ", 1)[-1]
    if county != short:
        # "South Cambridgeshire" is "South Cambs" (whose "Cambs council" must not be read
        # as the county council's)
        prefix = short[: -len(county)]
        prefixes = [prefix] + [v for k, v in _COMPASS_INITIALS.items() if prefix == k]
        suffix = next((s for s, _ in _SUFFIXES if official.endswith(" " + s)), "Council")
        for abbr in COUNTY_ABBREVIATIONS.get(county, []):
            for p in prefixes:
                forms += [f"{p}{abbr}", f"{p}{abbr} Council", f"{p}{abbr} {suffix}"]
    # "N Somerset", "E Sussex County Council", "NE Lincolnshire": a compass point as its
    # initials (whose "Somerset council" must not be read as Somerset's)
    for point, initials in _COMPASS_INITIALS.items():
        if short.startswith(point):
            rest = short[len(point) :]
            forms += [f"{initials}{rest}", f"{initials}{rest} Council"]
            if type_code == "CTY":
                forms.append(f"{initials}{rest} County Council")
            break
    # "City of Edinburgh Council", "City of Westminster", "St Albans City and District
    # Council": the press calls them "Edinburgh City Council", "Westminster City Council"
    # (the City of London's corporation is no "London City Council")
    if (official.startswith("City of ") or " City and District " in official) and short not in (
        "City of London",
        "London",
    ):
        town = re.sub(r"^City of | City$", "", short)
        forms.append(f"{town} City Council")
    # "Saint Albans", "Saint Helens": the press mostly writes "St", sometimes in full
    forms += [
        "Saint " + f.split(" ", 1)[1]
        for f in [official, short, *forms]
        if f.startswith(("St ", "St. "))
    ]
    return forms


# "Kingston upon Hull, City of" is one name; split on its comma, "City of" would name
# nothing in particular (and match every "City of ..." in the press)
_GENERIC_ONLY = re.compile(r"(?i)^(the|city|county|of|and|borough|council|\s)*$")


def _dedupe(names: list[str], exclude: set[str]) -> list[str]:
    """Unique names, case-insensitively; a cased spelling wins over an all-lowercase one;
    fragments made only of generic words are dropped."""
    excluded = {n.casefold() for n in exclude}
    kept: dict[str, str] = {}
    for name in names:
        name = _clean(name)
        key = name.casefold()
        if not name or key in excluded or _GENERIC_ONLY.match(name):
            continue
        if key not in kept or (kept[key] == kept[key].lower() and name != name.lower()):
            kept[key] = name
    return list(kept.values())


def _committee_systems(data: Path, hosts: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Each council's committee system, confirmed by the rows of the merged host list."""
    confirmations: dict[str, int] = {}
    for row in hosts:
        for code in filter(None, row["lgsf_codes"].split(";")):
            confirmations[code.strip()] = max(
                confirmations.get(code.strip(), 0), int(row["n_sources"] or 0)
            )
    out = {}
    for row in _read(data / "moderngov" / "lgsf_council_committee_system_base_urls.csv"):
        code = row["official_identifier"]
        if not row["cms_type"] or row["end_date"]:
            continue
        system = {"ModernGov": "moderngov", "CMIS": "cmis"}.get(row["cms_type"], "custom")
        out[code] = {
            "committee_system": system,
            "committee_url": row["base_url"].rstrip("/") or None,
            # the LGSF list is itself one confirmation; the merged list counts the others
            "committee_url_confirmations": confirmations.get(code, 1),
        }
    return out


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def _site_label(host: str) -> str:
    """The label of a host that names its owner: "croydon" of "croydon.moderngov.co.uk",
    "eastbourne" of "democracy.eastbourne.gov.uk"."""
    labels = host.split(".")
    if host.endswith(".moderngov.co.uk"):
        return labels[0]
    for suffix in (".gov.uk", ".llyw.cymru", ".gov.wales", ".gov.scot"):
        if host.endswith(suffix):
            return _slug(labels[-suffix.count(".") - 1])
    return ""


def _other_sites(
    hosts: list[dict[str, str]], by_code: dict[str, dict[str, str]]
) -> dict[str, list[str]]:
    """More committee-system hosts of each council, from the merged ModernGov host list
    ("camden.moderngov.co.uk", "democratiaeth.cyngor.gwynedd.gov.uk", a former council's
    "democracy.barrowbc.gov.uk"): a host the list ties to councils' register codes, or,
    with no code, one whose naming label is a council's name ("croydon.moderngov.co.uk",
    "committees.greenwich.gov.uk"). A host named after a body that is not a council
    ("moderngov.merseytravel.gov.uk", listed beside "Liverpool") is left out."""
    slugs = {c: {_slug(r["nice-name"]), _slug(r["official-name"])} for c, r in by_code.items()}
    sites: dict[str, list[str]] = defaultdict(list)
    for row in hosts:
        host = row["host"].split(":", 1)[0].lower().removeprefix("www.")
        if not host or host[0].isdigit() or "." not in host:
            continue
        codes = [c.strip() for c in row["lgsf_codes"].split(";") if c.strip() in by_code]
        if not codes:
            codes = [c for c, names in slugs.items() if _site_label(host) in names]
            if len(codes) != 1:
                continue
        for code in codes:
            sites[code].append(host)
    return sites


def build(data: Path) -> list[dict[str, Any]]:
    reg = _read(data / "register" / "mysociety" / "uk_local_authorities.csv")
    lookup = _read(data / "register" / "mysociety" / "lookup_name_to_registry.csv")
    govuk = {
        r["gss"]: r
        for r in _read(data / "register" / "govuk_local_links_manager" / "local-authorities.csv")
    }
    hosts = _read(data / "moderngov" / "DERIVED_merged_moderngov_hosts.csv")
    committees = _committee_systems(data, hosts)

    by_code = {r["local-authority-code"]: r for r in reg}
    other_sites = _other_sites(hosts, by_code)
    gss_of = {code: (r["gss-code"] or r["snac"]) for code, r in by_code.items()}
    lookup_names: dict[str, list[str]] = defaultdict(list)
    for row in lookup:
        lookup_names[row["local-authority-code"]].append(row["la-name"])
    replaced_by = {
        code: [s.strip() for s in r["replaced-by"].split(",") if s.strip()]
        or ([KNOWN_SUCCESSORS[code]] if code in KNOWN_SUCCESSORS else [])
        for code, r in by_code.items()
    }
    predecessors: dict[str, list[str]] = defaultdict(list)
    for code, successors in replaced_by.items():
        for succ in successors:
            predecessors[succ].append(gss_of[code])

    councils = []
    for code, r in sorted(by_code.items(), key=lambda kv: gss_of[kv[0]]):
        official, short, type_code = (
            _clean(r["official-name"]),
            _clean(r["nice-name"]),
            r["local-authority-type"],
        )
        gss = gss_of[code]
        links = govuk.get(r["gss-code"], {})
        current = r["current-authority"] == "True"
        names = [
            *r["alt-names"].split(","),
            *lookup_names[code],
            *press_forms(official, short, type_code),
            *KNOWN_ABBREVIATIONS.get(code, []),
        ]
        aliases = _dedupe(names, {official})
        committee = committees.get(code, {}) if current else {}
        councils.append(
            {
                "gss": gss,
                "code": code,
                "name": official,
                "short_name": short,
                "type": type_code,
                "type_name": r["local-authority-type-name"],
                "nation": r["nation"],
                "region": r["region"],
                "current": current,
                "principal": type_code in PRINCIPAL_TYPES,
                "start_date": r["start-date"] or None,
                "end_date": r["end-date"] or None,
                "successors": [gss_of[s] for s in replaced_by[code]],
                "predecessors": sorted(predecessors.get(code, [])),
                "parent_gss": gss_of.get(r["county-la"]) if r["county-la"] else None,
                "homepage": (links.get("homepage_url") or KNOWN_HOMEPAGES.get(code))
                if current
                else None,
                "committee_system": committee.get("committee_system"),
                "committee_url": committee.get("committee_url"),
                "committee_url_confirmations": committee.get("committee_url_confirmations", 0),
                "aliases": aliases,
                "sites": sorted(set(other_sites.get(code, []))),
            }
        )
    return councils


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("../shared/data"),
        help="folder holding register/ and moderngov/",
    )
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    councils = build(args.data)
    args.out.write_text(json.dumps(councils, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    current = sum(c["current"] and c["principal"] for c in councils)
    print(f"wrote {len(councils)} authorities ({current} current principal councils) to {args.out}")


if __name__ == "__main__":
    main()
