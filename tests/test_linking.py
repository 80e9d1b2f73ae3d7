"""Council linking: names, press forms, disambiguation, dates, and what must not link."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest

from models.linking import STRONG_CONFIDENCE as STRONG
from models.linking import normalise_name
from monitor.enrich import get_linker
from monitor.register import load_outlets, load_places, load_register

_BBC = "https://www.bbc.co.uk/news/"
LINKER = get_linker()  # the pipeline's own, built from the register's files


def links(text: str, **kw: object) -> list[tuple[str, str]]:
    return [(lk.gss, lk.role) for lk in LINKER.link(text, **kw)]  # type: ignore[arg-type]


def primaries(text: str, **kw: object) -> set[str]:
    return {g for g, role in links(text, **kw) if role == "primary"}


def misread(cases: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """The sweeps' check: each (text, gss) whose primary councils, on a day of 2026, are
    not exactly that one council, with what was found instead."""
    return [
        (text, sorted(found))
        for text, gss in cases
        if (found := primaries(text, when=date(2026, 6, 1))) != {gss}
    ]


@pytest.mark.parametrize(
    "text,gss",
    [
        ("Woking Borough Council has issued a section 114 notice.", "E07000217"),
        ("Northants faces a second s114 notice.", "E10000021"),
        ("Bradford's children's services rated inadequate again.", "E08000032"),
        ("Councillors at Tower Hamlets LBC met last night.", "E09000030"),
        ("RBKC leader quits after Grenfell criticism.", "E09000020"),
        ("Newcastle City Council leader resigns.", "E08000021"),
        ("Newcastle-under-Lyme Borough Council approves its budget.", "E07000195"),
        (
            "Trouble in Newcastle as the Staffordshire town's council loses its majority.",
            "E07000195",
        ),
        ("Richmond Council approves plan for the Twickenham riverside.", "E09000027"),
        ("Bedford Borough Council and its neighbour share a chief executive.", "E06000055"),
        ("Central Bedfordshire Council sets its budget.", "E06000056"),
        ("Durham County Council approves the county plan.", "E06000047"),
        ("Glasgow City Council faces equal pay bill.", "S12000049"),
        ("Wrexham County Borough Council leader quits.", "W06000006"),
        ("Belfast City Council strikes its rate.", "N09000003"),
    ],
)
def test_primary_council(text: str, gss: str) -> None:
    assert gss in primaries(text)


def test_richmond_in_yorkshire_is_richmondshire_by_context() -> None:
    assert "E07000166" in primaries(
        "Market day in Richmond, North Yorkshire, was busy.", when=date(2020, 5, 1)
    )


def test_bare_place_name_links_with_lower_confidence() -> None:
    bare = LINKER.link("A row in Woking over the new leisure centre.")
    full = LINKER.link("Woking Borough Council approves the new leisure centre.")
    assert bare[0].gss == full[0].gss == "E07000217"
    assert bare[0].confidence < full[0].confidence


@pytest.mark.parametrize(
    "text",
    [
        "Newcastle United beat Arsenal in a Premier League match.",
        "The mayor of New York announced new subway funding.",
        "Cllr Hastings said the plan was sensible.",
        "Angus Robertson visited the exhibition.",
        "Perth, Western Australia, elects its councillors.",
        "She spent the evening reading about local history.",
        "Harry Kane scored twice for England.",
        "Bradford City fans were left waiting when the kick-off was delayed.",
        # one club named makes a report on sport, and the other side a club too
        "Leicester City beat Leeds United on Saturday.",
        # a council name that is also a verb, with its object
        "Reading the report, councillors were shocked.",
        "Bury the past, the new leader told members.",
    ],
)
def test_things_that_must_not_link(text: str) -> None:
    assert links(text) == []


def test_abolished_council_linked_as_former_with_successors() -> None:
    [link] = LINKER.link("Northamptonshire County Council's legacy debts", when=date(2022, 5, 1))
    assert link.gss == "E10000021" and link.former
    assert set(link.successors) == {"E06000061", "E06000062"}
    [before] = LINKER.link("Northamptonshire County Council issues s114", when=date(2018, 2, 2))
    assert not before.former


def test_same_name_resolved_by_date() -> None:
    assert "E10000027" in primaries("Somerset budget crisis deepens.", when=date(2019, 3, 1))
    assert "E06000066" in primaries("Somerset budget crisis deepens.", when=date(2024, 3, 1))


def test_an_abolished_councils_bare_name_is_the_town_in_the_council_of_the_day() -> None:
    text = "Councillors in Kettering backed the plan."
    assert links(text, when=date(2019, 5, 1)) == [("E07000153", "primary")]  # the borough
    assert links(text, when=date(2022, 5, 1)) == [("E06000061", "primary")]  # N Northants
    assert links("Poole harbour dredging approved.", when=date(2022, 1, 1)) == [
        ("E06000058", "primary")
    ]
    # the council's own name stays the former council, its successor noted
    [link] = LINKER.link("Kettering Borough Council's last budget.", when=date(2022, 5, 1))
    assert (link.gss, link.former, link.successors) == ("E07000153", True, ("E06000061",))


def test_kingston_is_upon_thames_unless_hull_is_near() -> None:
    assert primaries("Kingston council approved the plan.") == {"E09000021"}
    assert primaries("Kingston council in Hull approved the plan.") == {"E06000010"}
    assert LINKER.link("Kingston, Jamaica, hosted the summit.") == []


def test_primary_and_mentioned() -> None:
    roles = dict(
        links(
            "Thurrock Council has issued a section 114 notice. Neighbouring "
            "Basildon said it was not affected, and Essex County Council offered "
            "support later in the week."
        )
    )
    assert roles["E06000034"] == "primary"
    assert roles["E07000066"] == "mentioned"


def test_source_and_url_evidence() -> None:
    [source] = LINKER.link("Bin collections change next week.", source_council="E08000035")
    assert (source.gss, source.role, source.method) == ("E08000035", "primary", "source")
    [url] = LINKER.link(
        "Bin collections change next week.", url="https://news.leeds.gov.uk/news/bins"
    )
    assert (url.gss, url.method) == ("E08000035", "url")


def test_a_councils_own_site_is_about_that_council() -> None:
    # the other councils its pages name are mentioned, even named in full in the headline
    text = "How do our investments compare with Woking Borough Council's? Ours still pay."
    url = "https://www.spelthorne.gov.uk/news/investment-questions"
    assert links(text, url=url) == [("E07000213", "primary"), ("E07000217", "mentioned")]
    assert links(text, source_council="E07000213") == [
        ("E07000213", "primary"),
        ("E07000217", "mentioned"),
    ]


def test_url_words_beside_a_council_named_in_full_are_its_wards() -> None:
    url = "https://www.example.org/2024/01/brighton-and-hove-council-preston-park-by-election"
    assert links("Labour hold.", url=url) == [("E06000043", "primary")]


def test_former_council_domain_links_the_former_council() -> None:
    [link] = LINKER.link(
        "Decision notice: the cabinet agreed the waste contract.",
        url="https://democracy.hambleton.gov.uk/ieDecisionDetails.aspx?Id=1",
        when=date(2020, 5, 1),
    )
    assert (link.gss, link.role, link.method) == ("E07000164", "primary", "url")


def test_local_outlet_is_the_fallback_when_nothing_names_a_council() -> None:
    # the paper's patch, at low confidence, when the story only says "the council"
    [link] = LINKER.link(
        "The council has refused to say how much the consultants were paid.",
        url="https://www.rotherhamadvertiser.co.uk/news/local/consultants-fees-1234",
    )
    assert (link.gss, link.role, link.method) == ("E08000018", "primary", "outlet")
    assert link.confidence < 0.5
    # a council named anywhere in the text wins, and the outlet adds nothing
    named = LINKER.link(
        "Sheffield City Council has refused to say how much the consultants were paid.",
        url="https://www.rotherhamadvertiser.co.uk/news/local/consultants-fees-1234",
    )
    assert [(lk.gss, lk.method) for lk in named] == [("E08000019", "text")]
    # an outlet's syndicated national pages are not about its patch
    assert (
        LINKER.link(
            "Ministers have announced a review of council funding.",
            url="https://www.shropshirestar.com/news/uk-news/2025/01/19/review",
        )
        == []
    )


def test_a_paper_of_an_abolished_district_speaks_of_the_council_of_the_day() -> None:
    text = "The council has refused to say how much the consultants were paid."
    url = "https://www.harrogateadvertiser.co.uk/news/politics/consultants-1234"
    for when, gss in [
        (date(2021, 6, 1), "E07000165"),  # Harrogate Borough Council
        (date(2024, 6, 1), "E06000065"),  # North Yorkshire Council
        (None, "E06000065"),  # undated: today's
    ]:
        [link] = LINKER.link(text, url=url, when=when)
        assert (link.gss, link.method) == (gss, "outlet"), when


def test_every_outlet_speaks_of_its_patch_when_nothing_else_does() -> None:
    day = date(2025, 6, 1)
    wrong = []
    for domain, gss in load_outlets().items():
        want = LINKER.heirs(gss, day)
        links = LINKER.link(
            "The council has agreed its budget for next year.",
            url=f"https://www.{domain}/news/local/budget-agreed-1234",
            when=day,
        )
        if {(lk.gss, lk.role) for lk in links} != {(g, "primary") for g in want}:
            wrong.append(domain)
    assert wrong == []


def test_outlet_register_names_principal_councils() -> None:
    # a paper of a district since abolished names that district: its items link it
    # before the abolition and its heir after
    register = load_register()
    outlets = load_outlets()
    assert len(outlets) >= 50
    for domain, gss in outlets.items():
        council = register.get(gss)
        assert council is not None and council.principal, domain
        assert domain == domain.lower() and not domain.startswith("www."), domain


def test_combined_authorities_are_not_linked_as_councils() -> None:
    assert links("The West Midlands Combined Authority mayor announced bus funding.") == []


def only(text: str, **kw: object) -> tuple[str, str, str]:
    [link] = LINKER.link(text, **kw)  # type: ignore[arg-type]
    return link.gss, link.role, link.method


def test_a_town_names_its_council_when_no_council_is_named() -> None:
    assert only("Swanage library will close for six weeks while the roof is mended.") == (
        "E06000059",
        "primary",
        "place",
    )
    assert only("A new leisure centre has opened in Caldicot.")[0] == "W06000021"
    # low confidence: a town is weaker evidence than a council's name
    [link] = LINKER.link("Plans for Rushden's market square were approved.")
    assert link.confidence < 0.4
    # a council named anywhere wins over the towns
    assert links("Swanage residents wrote to Wiltshire Council about the bypass.") == [
        ("E06000054", "primary")
    ]


def test_a_town_means_the_council_of_its_day() -> None:
    text = "The new swimming pool in Brackley opened on Monday."
    assert only(text, when=date(2018, 11, 16))[0] == "E07000155"  # South Northamptonshire
    assert only(text, when=date(2022, 5, 1))[0] == "E06000062"  # West Northamptonshire
    assert only(text)[0] == "E06000062"  # undated: today's council


def test_a_two_tier_town_means_the_county_when_the_county_council_acts() -> None:
    assert only("The county council will fill potholes in Swanley this week.")[0] == ("E10000016")
    # the county's services in a town named bare are the county's (Kent runs the roads
    # and libraries, Sevenoaks District the bins and planning); the district is mentioned
    for text in (
        "Potholes in Swanley will be filled this week.",
        "Swanley library will close for refurbishment.",
        "Parents in Swanley say the school run is dangerous.",
    ):
        assert links(text, when=date(2025, 6, 1)) == [
            ("E10000016", "primary"),
            ("E07000111", "mentioned"),
        ], text
    # the district's own services, or the district named as a council, keep it
    for text in (
        "Bin collections in Swanley will move to Tuesdays.",
        "Swanley library and bin collections will change.",  # both tiers: left alone
        "Sevenoaks District Council will fill potholes in Swanley this week.",
        "The library in Swanley will close. Bosses at Sevenoaks council said it was sad.",
    ):
        assert primaries(text, when=date(2025, 6, 1)) == {"E07000111"}, text
    # the council itself spoken of: a district's bare name is the district
    for text in (
        "Sevenoaks's debts could close libraries, residents fear.",
        "Sevenoaks leader says schools will not be affected by the budget.",
    ):
        assert primaries(text, when=date(2025, 6, 1)) == {"E07000111"}, text
    # the county council of the item's day: Northamptonshire's before 2021, a unitary after
    text = "Potholes in Kettering are the worst in years."
    assert links(text, when=date(2018, 1, 1)) == [
        ("E10000021", "primary"),
        ("E07000153", "mentioned"),
    ]
    assert links(text, when=date(2024, 1, 1)) == [("E06000061", "primary")]
    # a unitary council runs both
    assert links("Potholes in Swanage will be filled this week.", when=date(2025, 6, 1)) == [
        ("E06000059", "primary")
    ]


def test_every_two_tier_town_means_its_county_for_the_county_services() -> None:
    """Every gazetteer town of one current district council, in a story on potholes."""
    register = load_register()
    wrong = []
    counted = 0
    for gss, names in load_places().items():
        council = register.get(gss)
        if not (council and council.current and council.parent_gss):
            continue
        for town in names:
            found = links(f"Residents in {town} are angry about potholes.", when=date(2026, 6, 1))
            if not found:
                continue  # a town of several councils: not this test's question
            counted += 1
            if found != [(council.parent_gss, "primary"), (gss, "mentioned")]:
                wrong.append((town, found))
    assert counted > 1000 and wrong == []


def test_a_street_or_park_named_after_a_place_is_not_that_place() -> None:
    # streets and parks named after distant places are everywhere; the town decides
    assert only("The new café at Essex Park in Swanage opens on Friday.")[0] == "E06000059"
    assert only("A new bakery on London Road in Swanley opens on Monday.")[0] == "E07000111"
    assert links("Resurfacing of Derby Road and Leeds Street is finished.") == []
    # the place itself still links
    assert only("Parks in Devon will get new benches.")[0] == "E10000008"


def test_a_county_council_is_not_one_of_the_councils_in_its_county() -> None:
    # "a Surrey council" is one of the districts, and the text does not say which
    assert links("A Surrey council that borrowed for shopping centres gets commissioners.") == []
    assert links("The Conservatives have lost their majority on a Nottinghamshire council.") == []
    # nor does a news site's regional section in the address say otherwise
    regional = "https://www.bbc.co.uk/news/uk-england-nottinghamshire-40000000"
    text = "The Conservatives have lost their majority on a Nottinghamshire council."
    assert links(text, url=regional) == []
    assert only("Nottinghamshire libraries will open longer hours.", url=regional)[0] == (
        "E10000024"
    )
    # ...unless the text names it
    assert links("A Surrey council, Spelthorne Borough Council, gets commissioners.") == [
        ("E07000213", "primary")
    ]
    # the county's own: its spokesman, its name in full, the definite article
    for text in (
        "A Surrey council spokesman said the roads would be gritted.",
        "A Surrey County Council report found delays in care assessments.",
        "The Surrey council has approved its budget.",
    ):
        assert links(text) == [("E10000030", "primary")], text


def test_a_council_name_inside_a_longer_town_is_the_town() -> None:
    assert only("Traders in High Wycombe fear the car park charges.")[0] == "E06000060"
    assert only("Sutton-in-Ashfield town centre is to get new benches.")[0] == "E07000170"
    # the town of West Suffolk, never Bury (Greater Manchester)
    assert only("Bury St Edmunds market reopens after refurbishment.")[0] == "E07000245"


def test_towns_that_mean_two_councils_or_a_person_do_not_link() -> None:
    assert LINKER.link("Gillingham high street will be pedestrianised.") == []  # Medway/Dorset
    assert LINKER.link("Blackwood residents object to the quarry.") == []  # Caerphilly/S Lanarks
    assert LINKER.link("Cllr Ripon said the vote was wrong.") == []
    assert LINKER.link("The Ellesmere Port name is used in Canada too, says Tom Morpeth.") != []


def test_a_town_in_a_local_papers_address_is_the_last_resort() -> None:
    url = "https://www.example-news.co.uk/news/halesworth-library-reopens-5678"
    assert only("A £4m project has been completed.", url=url, when=date(2022, 1, 1)) == (
        "E07000244",
        "primary",
        "place",
    )
    # a host too short to tell from a word names no town
    assert LINKER.link("A £4m project has been completed.", url="https://leek.example/x") == []


def test_url_words_take_the_longest_council_name() -> None:
    url = "https://www.example.org/2023/05/north-norfolk-hoveton-results"
    assert [lk.gss for lk in LINKER.link("Results are in.", url=url)] == ["E07000147"]


def test_url_words_mean_the_council_of_the_items_date() -> None:
    url = "http://example-village.uk/news/somerset-library-services-review-2018/"
    # Somerset County Council until April 2023, Somerset Council since
    assert [
        lk.gss for lk in LINKER.link("Consultation update.", url=url, when=date(2018, 3, 1))
    ] == ["E10000027"]
    assert [
        lk.gss for lk in LINKER.link("Consultation update.", url=url, when=date(2024, 3, 1))
    ] == ["E06000066"]
    assert [lk.gss for lk in LINKER.link("Consultation update.", url=url)] == ["E06000066"]


def test_the_county_council_on_a_districts_page_is_its_county() -> None:
    text = "The county council has approved a 4.99% rise in council tax."
    when = date(2025, 2, 1)
    # an address naming a district's town, an outlet whose patch is a district
    url = "https://www.kentonline.co.uk/maidstone/news/county-council-tax-rise-123/"
    assert primaries(text, url=url, when=when) == {"E10000016"}  # Kent, not Maidstone
    url = "https://www.bexhillobserver.net/news/politics/council-tax-rise-123"
    assert primaries(text, url=url, when=when) == {"E10000011"}  # East Sussex, not Rother
    # the district itself when the item does not speak of the county council, or names
    # another county council in full
    assert primaries("The council has approved the rise.", url=url, when=when) == {"E07000064"}
    text = "The county council and Kent County Council have approved the rise."
    assert "E10000011" not in primaries(text, url=url, when=when)


def test_a_papers_regional_section_names_no_council() -> None:
    url = "https://www.hulldailymail.co.uk/news/hull-east-yorkshire-news/car-park-shut-123"
    # the section names Hull and the East Riding: neither is the story's; the outlet's
    # own patch is the fallback
    assert links("The car park will close.", url=url, when=date(2025, 2, 1)) == [
        ("E06000010", "primary")
    ]
    url = "https://www.hulldailymail.co.uk/news/hull-east-yorkshire-news/beverley-car-park-123"
    assert primaries("The car park will close.", url=url, when=date(2025, 2, 1)) == {"E06000011"}


@pytest.mark.parametrize(
    "url,gss",
    [
        # Taunton Deane until April 2019, Somerset West and Taunton until April 2023,
        # Somerset Council since: an undated page's address says which
        ("https://www.example-gazette.co.uk/2018/05/12/taunton-plan/", "E07000190"),
        ("https://www.example-gazette.co.uk/2021/05/taunton-plan/", "E07000246"),
        ("https://www.example-gazette.co.uk/news/2018-05-12-taunton-plan", "E07000190"),
        ("https://www.example-gazette.co.uk/news/taunton-plan", "E06000066"),  # today's
        ("https://www.example-gazette.co.uk/2019/02/30/taunton-plan/", "E06000066"),  # no day
        ("https://www.example-gazette.co.uk/2999/01/01/taunton-plan/", "E06000066"),  # future
    ],
)
def test_an_undated_items_address_gives_its_date(url: str, gss: str) -> None:
    assert primaries("Councillors in Taunton approved the plan.", url=url) == {gss}


def test_an_items_own_date_outranks_its_address() -> None:
    url = "https://www.example-gazette.co.uk/2018/05/12/taunton-plan/"
    text = "Councillors in Taunton approved the plan."
    assert primaries(text, url=url, when=date(2024, 1, 1)) == {"E06000066"}


def test_invisible_characters_inside_a_name_do_not_hide_it() -> None:
    assert primaries("Wok\u00ading\u00adham council approved the plan.") == {"E06000041"}
    assert primaries("Croy\u200bdon Council has apologised.") == {"E09000008"}


def test_city_of_is_no_council() -> None:
    assert LINKER.link("The City of Culture bid was launched on Monday.") == []


def test_a_town_named_as_its_councils_seat_is_that_council() -> None:
    # "Brighton council" is Brighton and Hove, even beside another council's name
    assert links("Bath council and Wiltshire Council agreed a joint deal.") == [
        ("E06000054", "primary"),
        ("E06000022", "primary"),
    ]
    [link] = LINKER.link("Brighton councillors voted against the plan.")
    assert (link.gss, link.method) == ("E06000043", "text") and link.confidence >= 0.8
    # a town council is not the principal council's seat: the town is only a place
    [link] = LINKER.link("Swanage Town Council has approved its budget.")
    assert (link.gss, link.method) == ("E06000059", "place")


@pytest.mark.parametrize(
    ("text", "gss"),
    [
        ("RCT council approved the plan.", "W06000016"),
        ("North Northants Council approved the plan.", "E06000061"),  # not Northants CC
        ("King's Lynn council approved the plan.", "E07000146"),
        ("Shops in Bishop's Stortford reopened.", "E07000242"),
        # initialisms of one council only (LBTH had been given to Three Rivers, LBHF to
        # Hounslow, and the ambiguous LBB to Barnet)
        ("LBTH approved the plan.", "E09000030"),
        ("LBHF approved the plan.", "E09000013"),
        ("H&F Council approved the plan.", "E09000013"),
        ("KCC approved the plan.", "E10000016"),
        ("WSCC approved the plan.", "E10000032"),
        ("B&NES approved the plan.", "E06000022"),
        ("CBMDC approved the plan.", "E08000032"),
        ("Cyngor Ynys Môn approved the plan.", "W06000001"),
    ],
)
def test_press_forms_and_possessive_towns(text: str, gss: str) -> None:
    assert [lk.gss for lk in LINKER.link(text)] == [gss]


def test_an_initialism_several_councils_share_names_none() -> None:
    assert LINKER.link("LBB approved the plan.") == []  # Barnet, Bexley, Brent, Bromley


def test_villages_and_town_districts_of_the_gazetteer() -> None:
    # villages as well as towns: a story about one rarely names its council
    assert only("The library in Lesmahagow will open on Saturdays.")[0] == "S12000029"
    assert only("Flooding closed the road between Pittenweem and Crail.")[0] == "S12000047"
    assert only("Residents of Steeple Bumpstead want a new crossing.")[0] == "E07000067"
    # a village that is also a surname or the first word of another name is that only
    # when it stands alone
    assert only("The Hamilton by-pass reopens on Monday.") == ("S12000029", "primary", "place")
    assert LINKER.link("Hamilton Academical have a new manager.") == []
    assert LINKER.link("Mr Pickering said the road was unsafe.") == []


def test_a_site_named_after_a_village_is_that_villages_council() -> None:
    url = "https://www.pittenweemharbourtrust.org.uk/news/2021/works"
    [link] = LINKER.link("Repairs to the east pier begin next month.", url=url)
    assert (link.gss, link.role, link.method) == ("S12000047", "primary", "place")
    assert link.confidence < 0.3  # the weakest evidence there is
    # the whole label may be the village, with its parish council's suffix
    assert only("Minutes of the March meeting.", url="https://kelvedon-pc.org/news/1")[0] == (
        "E07000067"
    )
    # anything the text or a known outlet says comes first
    assert only("Dundee City Council will mend the pier.", url=url)[0] == "S12000042"
    # too short to tell from a word, shared by two councils, or a council's own site
    assert LINKER.link("Repairs begin.", url="https://www.rye.example/news") == []
    assert LINKER.link("Repairs begin.", url="https://gillinghamtrust.org/news") == []
    assert only("Repairs begin.", url="https://www.fife.gov.uk/news/pier")[2] == "url"


def test_a_town_or_parish_councils_own_business_is_not_its_principal_councils() -> None:
    # on a town council's site, the place's principal council is only the area's
    url = "https://www.corbridgeparishcouncil.gov.uk/2024/05/annual-meeting"
    text = "The council elected its chair and vice-chair at the annual meeting."
    assert links(text, url=url) == [("E06000057", "mentioned")]
    assert links("Corbridge town council will light the Christmas tree.") == [
        ("E06000057", "mentioned")
    ]
    # a leader and a cabinet belong to a principal council, whoever publishes the news
    text = "The Leader of the Council announced his cabinet after the elections."
    assert links(text, url=url) == [("E06000057", "primary")]
    # a council's bare name before "parish council" is that place's local council
    assert links("The City of Durham parish council met on Tuesday.") == [
        ("E06000047", "mentioned")
    ]
    assert links("Reading councillors met on Tuesday.") == [("E06000038", "primary")]
    # a principal council named in the text is linked as usual
    text = "Corbridge town council asked Northumberland County Council to mend the bridge."
    assert ("E06000057", "primary") in links(text)


def test_a_councils_own_company_stands_for_the_council() -> None:
    [link] = LINKER.link("Auditors questioned the loans made to Thameswey.")
    assert (link.gss, link.role, link.method) == ("E07000217", "primary", "text")
    assert link.confidence < STRONG
    assert only("Brick by Brick will not finish the flats, the report says.")[0] == "E09000008"
    # a council named in full outranks its company
    text = "Nottingham City Council has sold the customers of Robin Hood Energy."
    assert links(text) == [("E06000018", "primary")]


def _probe_rows() -> list[tuple[str, str, str]]:
    path = Path(__file__).parent / "fixtures" / "linking_probes.tsv"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            text, when, gss = line.split("\t")
            rows.append((text, when, gss))
    return rows


@pytest.mark.parametrize(("text", "when", "gss"), _probe_rows())
def test_linking_probes(text: str, when: str, gss: str) -> None:
    day = date.fromisoformat(when) if when else None
    assert primaries(text, when=day) == set(gss.split()), text


@pytest.mark.parametrize(
    ("text", "url", "gss"),
    [
        # Bangor: Ards and North Down or Gwynedd, by the BBC's section
        (
            BANGOR := "Traders in Bangor say the high street is dying.",
            _BBC + "uk-northern-ireland-1",
            "N09000011",
        ),
        (BANGOR, _BBC + "uk-wales-1", "W06000002"),
        (BANGOR, "https://www.bbc.co.uk/news/articles/c1", None),  # no section: no council
        (BANGOR, "https://www.belfasttelegraph.co.uk/news/1", "N09000011"),  # a regional paper
        # Gillingham: Medway or Dorset
        (
            GILL := "Flooding in Gillingham closed the station.",
            "https://www.kentonline.co.uk/news/1",
            "E06000035",
        ),
        (GILL, "https://www.itv.com/news/westcountry/2024-01-01/flood", "E06000059"),
        # Newport: the Welsh city unless the island's or Shropshire's press says otherwise
        (NEWPORT := "Newport market is to close, traders were told.", None, "W06000022"),
        (NEWPORT, "https://www.isleofwightcountypress.co.uk/news/1/", "E06000046"),
        ("Newport market on the Isle of Wight is to close.", None, "E06000046"),
        # Sutton: the London borough, or Sutton-in-Ashfield in the Mansfield and Ashfield paper
        (SUTTON := "Sutton town centre gets a new market hall.", None, "E09000029"),
        (SUTTON, "https://www.chad.co.uk/news/1", "E07000170"),
    ],
)
def test_a_name_two_councils_share_is_read_by_the_region_of_the_item(
    text: str, url: str | None, gss: str | None
) -> None:
    assert primaries(text, url=url) == ({gss} if gss else set())


def test_the_pipeline_links_an_abolished_councils_heir_of_the_items_day() -> None:
    from datetime import datetime

    from monitor.enrich import link_items
    from monitor.types import RawItem, SourceSpec

    def stored(text: str, day: datetime) -> list[tuple[str, str, str]]:
        item = RawItem(guid="1", url="https://paper.example/1", title="", text=text, published=day)
        link_items(LINKER, SourceSpec(id="s", kind="feed", url="https://paper.example/"), [item])
        return [(gss, role, method) for gss, role, _, method in item.links]

    text = "Kettering Borough Council's last accounts are still not signed off, auditors said."
    # in 2024 the former council stays linked as itself, and North Northamptonshire, which
    # took it over, is linked beside it
    assert stored(text, datetime(2024, 5, 1)) == [
        ("E07000153", "primary", "text"),
        ("E06000061", "primary", "successor"),
    ]
    # before its abolition it is the council of the day: no heir
    assert stored(text, datetime(2020, 5, 1)) == [("E07000153", "primary", "text")]
    # a council split between two (Northamptonshire County Council) has no one heir
    split = "Northamptonshire County Council's old debts are still being paid off."
    assert [gss for gss, _, _ in stored(split, datetime(2024, 5, 1))] == ["E10000021"]


def test_a_bbc_regional_section_is_no_council() -> None:
    # BBC Kent covers Kent and Medway, BBC Nottingham the whole county: the section
    # names neither council
    for section in ("uk-england-kent-12345678", "uk-england-nottingham-12345678"):
        for url in (_BBC + section, "https://bbc.co.uk/news/" + section):
            assert links("Flooding has closed several roads overnight.", url=url) == []
    # a town in the text still links
    assert primaries("Flooding closed roads in Ashford.", url=_BBC + "uk-england-kent-1") == {
        "E07000105"
    }


def test_an_address_that_cannot_be_parsed_is_no_evidence_and_no_error() -> None:
    # urlsplit raises on these; a feed can carry anything in <link>
    for url in ("http://[not-an-ip/news/1", "https://[::1/x"):
        assert primaries("Woking Borough Council has set its budget.", url=url) == {"E07000217"}


@pytest.mark.parametrize(
    "template",
    [
        "{name} has set its budget for next year.",
        "The leader of {short} Council has resigned after a no-confidence vote.",
        "A row has broken out at {short} council over the chief executive's pay.",
        "{short} councillors reject the leader's budget",
        "Leader Of {short} Council Quits Amid Row",
        "{short} Residents Face Higher Bills",
        "Residents in {short} face higher bills after {short} Council approved its budget.",
        "The {short} authority has frozen all spending that is not essential.",
        "The council in {short} has frozen spending. Unions said jobs were at risk.",
        "Bosses at {short} Council say the cuts are unavoidable.",
        "Tory-run {short} has frozen council tax.",
        "The Lib Dem-led authority in {short} has frozen council tax.",
    ],
)
def test_every_current_council_is_found_by_its_names_in_press_sentences(template: str) -> None:
    """A sweep of the whole register (382 councils, all four nations), not a sample."""
    cases = [
        (template.format(name=c.name, short=c.short_name), c.gss) for c in load_register().current()
    ]
    assert misread(cases) == []


@pytest.mark.parametrize(
    "template",
    [
        "{a}, {b} and {c} councils have agreed to share a chief executive.",
        "Leaders of {a}, {b} and {c} councils met on Monday.",
        "{a} and {b} councils will merge their planning teams.",
    ],
)
def test_every_current_council_is_found_in_a_list_of_its_neighbours(template: str) -> None:
    """Each council in turn with the next two of its region by code, named bare and
    followed by "councils": each named one primary, whatever the names beside it are
    ("Cotswold, Forest of Dean": no club; "Forest of Dean, Redbridge": no "Dean Redbridge";
    "Newport, Worthing and Kent councils": the Welsh city's council; "York and North
    Yorkshire councils": the two councils, not their combined authority)."""
    by_region: dict[str, list] = {}
    for c in sorted(load_register().current(), key=lambda c: c.gss):
        by_region.setdefault(c.region, []).append(c)
    wrong = []
    for peers in by_region.values():
        for i in range(len(peers)):
            trio = [peers[(i + k) % len(peers)] for k in range(3)]
            text = template.format(a=trio[0].short_name, b=trio[1].short_name, c=trio[2].short_name)
            want = {c.gss for c in trio[: template.count("{")]}
            if (found := primaries(text, when=date(2026, 6, 1))) != want:
                wrong.append((text, sorted(found)))
    assert wrong == []


@pytest.mark.parametrize(
    "template",
    [
        "{alias} has approved its budget for next year.",
        "Councillors at {alias} voted to close the leisure centre.",
    ],
)
def test_every_capitalised_alias_of_one_council_finds_it(template: str) -> None:
    """Every alias of the register that names one current council only ("South Cambs",
    "NE Lincs", "RBKC", "Saint Albans", "Cyngor Gwynedd"): about 1,350 per template.
    "Westminster" alone is Parliament unless its council is in view (tested above)."""
    register = load_register()
    owners = Counter(
        normalise_name(n) for c in register.councils for n in {c.name, c.short_name, *c.aliases}
    )
    cases = [
        (template.format(alias=alias), c.gss)
        for c in register.current()
        for alias in c.aliases
        if owners[key := normalise_name(alias)] == 1
        and len(alias) >= 4
        and alias[:1].isupper()
        and key != "westminster"
    ]
    assert misread(cases) == []


def test_the_council_named_first_leads_when_the_opening_names_none() -> None:
    """Every council, named in full in the second sentence, against a neighbour named in
    full in the third ("A spokesman for X said it had no plans to follow")."""
    councils = list(load_register().current())
    cases = [
        (
            "Campaigners gathered outside the library on Saturday morning to protest. "
            f"{c.name} said the savings were needed. "
            f"A spokesman for {other.name} said it had no plans to follow.",
            c.gss,
        )
        for c, other in zip(councils, councils[1:] + councils[:1], strict=True)
    ]
    assert misread(cases) == []


@pytest.mark.parametrize(
    "template",
    [
        "NHS {a} says waiting times have fallen.",
        "NHS {a} and {b} says waiting times have fallen.",
        "The {a} and {b} mayor promised cheaper buses.",
        "The {a} Combined Authority approved its budget.",
        "{a}, Western Australia, has a new lord mayor.",
        "Mrs Justice {a} ruled in favour of the claimants.",
        "{a} Building Society reported higher profits.",
        "{a} Foodbank says demand has doubled.",
        "{a} Food Bank says demand has doubled.",
        "{a} Citizens Advice has seen a rise in debt cases.",
        "The {a} Trades Council has called a rally against cuts.",
        "The {a} Rotary Club raised £5,000 for the hospice.",
        "{a} Healthwatch has published a report on GP access.",
        "{a} Crown Court heard the case on Monday.",
    ],
)
def test_no_council_is_read_into_bodies_named_after_places(template: str) -> None:
    """Every council's short name (those not already a council's full name, like "Dorset
    Council" or "City of London") in names of other bodies."""
    names = [
        c.short_name
        for c in load_register().current()
        if not c.short_name.lower().endswith(" council")
        and not c.short_name.lower().startswith(("city of ", "council of "))
    ]
    wrong = []
    for a, b in zip(names, names[1:] + names[:1], strict=True):
        text = template.format(a=a, b=b)
        if primaries(text, when=date(2026, 6, 1)):
            wrong.append(text)
    assert wrong == []


@pytest.mark.parametrize(
    "template",
    [
        "Residents in {town} are angry about parking charges, councillors were told.",
        "Anger In {town} Over Parking Charges",
        "{town} Council Tax Bills To Rise",
    ],
)
def test_every_town_of_one_council_is_found_in_press_sentences(template: str) -> None:
    """Every gazetteer town that only one current council holds (about 3,700) links it."""
    from models.linking import normalise_name

    register = load_register()
    owners: dict[str, set[str]] = {}
    towns = []
    for gss, names in load_places().items():
        council = register.get(gss)
        if council and council.current:
            for town in names:
                owners.setdefault(normalise_name(town), set()).add(gss)
                towns.append((town, gss))
    cases = [
        (template.format(town=town), gss)
        for town, gss in towns
        if len(owners[normalise_name(town)]) == 1
    ]
    assert len(towns) > 3500 and misread(cases) == []


def test_a_site_two_councils_share_is_about_the_one_its_words_name() -> None:
    site = "https://www.adur-worthing.gov.uk/news/2024/budget"
    named = LINKER.link("Worthing Borough Council has agreed its budget.", url=site)
    assert [(lk.gss, lk.role) for lk in named] == [("E07000229", "primary")]
    both = LINKER.link("The councils have agreed a joint budget for next year.", url=site)
    assert {(lk.gss, lk.role) for lk in both} == {
        ("E07000223", "primary"),  # Adur
        ("E07000229", "primary"),  # Worthing
    }
    # the other councils a shared site names are mentioned, as on a council's own site
    other = LINKER.link(
        "Adur District Council and West Sussex County Council will fund the new path.", url=site
    )
    assert {(lk.gss, lk.role) for lk in other} == {
        ("E07000223", "primary"),
        ("E10000032", "mentioned"),
    }


def test_a_council_site_outside_gov_uk_is_its_own() -> None:
    [link] = LINKER.link(
        "The council agreed its rates.", url="https://www.fermanaghomagh.com/news/rates/"
    )
    assert (link.gss, link.role, link.method) == ("N09000006", "primary", "url")


@pytest.mark.parametrize(
    ("site", "before", "after"),
    [
        # the unitary councils of 2020-23 kept their county councils' sites
        ("https://www.northyorks.gov.uk/news/a", "E10000023", "E06000065"),
        ("https://www.somerset.gov.uk/news/a", "E10000027", "E06000066"),
        ("https://www.buckinghamshire.gov.uk/news/a", "E10000002", "E06000060"),
    ],
)
def test_a_site_a_unitary_council_kept_is_the_county_councils_before(
    site: str, before: str, after: str
) -> None:
    text = "The cabinet agreed the plan."
    assert links(text, url=site, when=date(2018, 6, 1)) == [(before, "primary")]
    assert links(text, url=site, when=date(2024, 6, 1)) == [(after, "primary")]
    assert links(text, url=site) == [(after, "primary")]  # undated: today's


@pytest.mark.parametrize(
    ("url", "gss"),
    [
        # committee systems the merged ModernGov host list knows besides the register's
        ("https://camden.moderngov.co.uk/ieListDocuments.aspx?CId=1", "E09000007"),
        ("https://committees.greenwich.gov.uk/ieListMeetings.aspx", "E09000011"),
        ("https://democratiaeth.cyngor.gwynedd.gov.uk/ieListMeetings.aspx", "W06000002"),
        # a Welsh council's older .gov.uk address beside its .gov.wales / .llyw.cymru one
        ("https://www.carmarthenshire.gov.uk/home/news/", "W06000010"),
        ("https://www.gwynedd.gov.uk/en/Council/News/", "W06000002"),
        # a former council's own, while its heir's host stays the heir's
        ("https://democracy.barrowbc.gov.uk/ieListMeetings.aspx", "E07000027"),
        ("https://edemocracy.northyorks.gov.uk/ieListMeetings.aspx", "E06000065"),
    ],
)
def test_a_councils_other_committee_hosts_are_its_own(url: str, gss: str) -> None:
    assert links("Agenda for Cabinet on Tuesday, 7.00 pm", url=url) == [(gss, "primary")]


def test_every_current_council_has_a_site() -> None:
    # a council's own pages are its items; one with no known site would lose them
    assert [c.name for c in load_register().current() if not c.homepage] == []


def test_the_abroad_prefilter_holds_the_last_word_of_every_place_abroad() -> None:
    # linking skips the look for places abroad when none of these words is in the text
    from models.linking import _ABROAD_LAST_WORDS, ABROAD

    places = re.search(r"\(new south wales\|.*?\)\\b", ABROAD.pattern)
    assert places is not None
    for place in places.group(0)[1:-3].split("|"):
        assert place.split()[-1] in _ABROAD_LAST_WORDS, place


@pytest.mark.parametrize(
    "paper",
    [
        "The Sheffield Star",
        "The Stoke Sentinel",
        "The Kent Messenger",
        "Kent Online",
        "The Hull Daily Mail",
    ],
)
def test_a_paper_named_after_a_place_is_not_even_a_mention(paper: str) -> None:
    text = f"{paper} understands that Rotherham Council will cut 200 posts."
    assert links(text) == [("E08000018", "primary")]
