"""Fictional names that fill the training templates' placeholders.

No real council, town or person is named: a training line that says a council issued a
section 114 notice must not be about a council that did not.
"""

from __future__ import annotations

import random

__all__ = ["fill"]

PLACES = [
    "Ashbury",
    "Kingsmere",
    "Northfold",
    "Eastbrook",
    "Westhaven",
    "Millford",
    "Coldmoor",
    "Harrowby",
    "Linwick",
    "Stanbridge",
    "Ravensholt",
    "Oakhurst",
    "Fernley",
    "Greywater",
    "Thornbury Vale",
    "Elmsworth",
    "Brackendale",
    "Copperfield",
    "Holloway Green",
    "Marlstone",
    "Pennington",
    "Sallowford",
    "Underhill",
    "Wexcombe",
    "Yarrowdale",
    "Brightwell",
    "Castlemead",
    "Dunmore",
    "Foxcote",
    "Glenholm",
    "Hartwell",
    "Inverbrae",
    "Kilbrannan",
    "Lochmore",
    "Maesglas",
    "Nantgwyn",
    "Pontyrhos",
    "Rhosddu",
    "Strathallan",
    "Tullymore",
    "Ballinure",
    "Carrowmore",
    "Netherby",
    "Otterham",
    "Quarrington",
    "South Ashbury",
    "North Kingsmere",
    "East Marlstone",
    "West Fernley",
    "Mid Wexcombe",
    "Saltmarsh",
    "Blackwater",
    "Redcliffe",
    "Whitmoor",
    "Goldhill",
    "Silverdale Vale",
]
COUNCIL_FORMS = [
    "{p} Borough Council",
    "{p} District Council",
    "{p} County Council",
    "{p} City Council",
    "{p} Council",
    "{p} Metropolitan Borough Council",
    "London Borough of {p}",
    "Royal Borough of {p}",
    "{p} County Borough Council",
    "{p} Council",
]
# How a story refers to the council once it has been named (or when the headline named it).
GENERIC_COUNCIL = [
    "the council",
    "the council",
    "the authority",
    "the local authority",
    "the county council",
    "the city council",
    "the borough council",
    "the district council",
]
PEOPLE = [
    "Alex Carver",
    "Sam Whitlow",
    "Priya Okafor",
    "Janet Moorcroft",
    "David Penhale",
    "Rachel Ainsley",
    "Tom Brereton",
    "Fatima Siddall",
    "Gareth Lloyd-Evans",
    "Morag Kinnell",
    "Sean Doherty-Byrne",
    "Helen Ashworth",
    "Imran Qadir",
    "Lucy Fenwick",
    "Peter Oakes",
    "Nadia Kowalczyk",
    "Graham Tillotson",
    "Siobhan Grier",
    "Owen Prydderch",
    "Claire Hebden",
    "Marcus Adeyemi",
    "Elaine Strachan",
    "Robert Cullimore",
    "Aisha Rahman",
    "Keith Dunstable",
]
PARTIES = [
    "Conservative",
    "Labour",
    "Liberal Democrat",
    "Green",
    "Reform UK",
    "independent",
    "Plaid Cymru",
    "SNP",
    "residents' association",
]
MONEY = [
    "£3.2m",
    "£12m",
    "£47 million",
    "£150m",
    "£8.5m",
    "£1.1bn",
    "£26m",
    "£600,000",
    "£74 million",
    "£2.4m",
    "£310m",
    "£19.8m",
    "£95m",
    "£5m",
    "£240 million",
]
YEARS = ["2024/25", "2025/26", "2026/27", "2023-24", "2027/28"]
PERCENT = ["4.99%", "9.99%", "15%", "2.99%", "8%", "25%"]
NUMBERS = ["two", "three", "four", "five", "six", "nine"]


def fill(template: str, rng: random.Random, *, generic: bool = False) -> str:
    """Replace every placeholder with a random fictional value (two persons, parties or
    amounts in one line are always different).  With ``generic``, the council is not
    named but referred to as the press does after its first mention ("the council",
    "the authority"), so that naming a council is not what the model learns to look for."""
    place = rng.choice(PLACES)
    council = rng.choice(COUNCIL_FORMS).format(p=place)
    if generic:  # one more draw: what follows differs from the named fill of the same seed
        council = rng.choice(GENERIC_COUNCIL)
        template = template.replace("{c} council", council)
    people = rng.sample(PEOPLE, 2)
    parties = rng.sample(PARTIES, 2)
    money = rng.sample(MONEY, 2)
    values = {
        "C": council,
        "c": place,
        "P": people[0],
        "P2": people[1],
        "party": parties[0],
        "party2": parties[1],
        "M": money[0],
        "M2": money[1],
        "Y": rng.choice(YEARS),
        "pct": rng.choice(PERCENT),
        "n": rng.choice(NUMBERS),
    }
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    return text
