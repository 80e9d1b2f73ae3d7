"""The council register: completeness, former councils, aliases and lookup."""

from __future__ import annotations

from collections import Counter

import pytest

from monitor.register import load_bodies, load_places, load_register

REG = load_register()


def test_every_current_principal_council_in_all_four_nations() -> None:
    current = REG.current()
    assert len(current) == 382
    assert Counter(c.nation for c in current) == {
        "England": 317,
        "Scotland": 32,
        "Wales": 22,
        "Northern Ireland": 11,
    }
    assert len({c.gss for c in current}) == 382
    for c in current:
        assert c.name and c.short_name and c.type and c.region and c.current
        assert c.gss[0] in "ESWN" and len(c.gss) == 9


def test_register_fields_are_filled_where_known() -> None:
    current = REG.current()
    assert sum(1 for c in current if c.homepage) >= 370
    assert sum(1 for c in current if c.committee_url) >= 370
    assert sum(1 for c in current if c.committee_system == "moderngov") >= 290
    districts = [c for c in current if c.type == "NMD"]
    assert districts and all(c.parent_gss for c in districts)
    assert REG.get(districts[0].parent_gss or "").type == "CTY"  # type: ignore[union-attr]


def test_former_councils_have_end_dates_and_successors() -> None:
    northants = REG.get("E10000021")
    assert northants and not northants.current and str(northants.end_date) == "2021-04-01"
    assert {REG.by_gss[g].name for g in northants.successors} == {
        "North Northamptonshire Council",
        "West Northamptonshire Council",
    }
    assert "E10000021" in REG.by_gss["E06000062"].predecessors
    somerset_districts = [c for c in REG if c.successors == ("E06000066",)]
    assert len(somerset_districts) >= 4
    former = [c for c in REG if not c.current and c.principal]
    assert len(former) >= 70 and all(c.end_date for c in former)
    # Northern Ireland's 26 districts (merged in 2015) included: the source gives none
    assert all(c.successors for c in former)
    assert REG.by_gss["95L"].successors == ("N09000006",)  # Fermanagh
    assert set(REG.by_gss["N09000008"].predecessors) == {"95F", "95G", "95V"}


def test_combined_authorities_are_kept_apart() -> None:
    gmca = [c for c in REG if "Greater Manchester" in c.name and c.current]
    assert gmca and not gmca[0].principal


@pytest.mark.parametrize(
    "query,gss",
    [
        ("E08000032", "E08000032"),
        ("e08000032", "E08000032"),
        ("Bradford Council", "E08000032"),
        ("City of Bradford Metropolitan District Council", "E08000032"),
        ("Northants", "E10000021"),
        ("Northamptonshire CC", "E10000021"),
        ("Thurrock Council", "E06000034"),
        ("London Borough of Croydon", "E09000008"),
        ("Croydon Council", "E09000008"),
        ("RBKC", "E09000020"),
        ("Kensington & Chelsea", "E09000020"),
        ("Durham County Council", "E06000047"),
        ("Newcastle-under-Lyme", "E07000195"),
        ("Newcastle upon Tyne", "E08000021"),
        ("Glasgow City Council", "S12000049"),
        ("Cardiff Council", "W06000015"),
        ("Belfast City Council", "N09000003"),
        ("Woking Borough Council", "E07000217"),
    ],
)
def test_find_by_code_name_alias_and_press_form(query: str, gss: str) -> None:
    found = REG.find(query)
    assert found and found[0].gss == gss


def test_typo_gets_suggestions() -> None:
    assert REG.find("Northamtonshire") == []
    names = [c.name for c in REG.suggest("Northamtonshire")]
    assert "Northamptonshire County Council" in names


def test_every_council_has_press_aliases() -> None:
    for c in REG.current():
        assert f"{c.short_name} Council" in c.aliases or c.name == f"{c.short_name} Council"


def test_no_alias_is_only_generic_words() -> None:
    # "Kingston upon Hull, City of" once gave Hull the alias "City of", which matched
    # every "City of ..." in the press
    generic = {"the", "city", "county", "of", "and", "borough", "council"}
    for c in REG.councils:
        for alias in c.aliases:
            assert set(alias.lower().split()) - generic, (c.name, alias)


def test_every_current_council_has_a_places_row_and_every_row_a_council() -> None:
    places = load_places()
    current = {c.gss for c in REG.current()}
    assert current <= set(places)
    assert set(places) <= {c.gss for c in REG.councils if c.principal}
    assert sum(len(names) for gss, names in places.items() if gss in current) > 1500


def test_every_body_belongs_to_a_principal_council_and_is_no_place() -> None:
    bodies = load_bodies()
    assert len(bodies) >= 10
    assert set(bodies) <= {c.gss for c in REG.councils if c.principal}
    places = {p.lower() for names in load_places().values() for p in names}
    for names in bodies.values():
        for name in names:
            assert name.lower() not in places and not REG.find(name), name
