"""The seed county's plan as plain data, and ``load_seed`` which establishes it and plans its stations.

The plan's copy (行动方案, 2021–2023) anonymises every place name as "XX": it lists batch 1 as
XX镇, XX镇, XX乡, XX镇, XX镇 (built by the end of 2021) and batch 2 as XX镇, XX镇, XX乡, XX镇, XX镇, XX乡
(built by the end of 2022). The kinds and batches below follow that order; the names, codes
("T01".."T11", villages "T01-01"..), populations and villages/communities are invented but plausible.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.domain import Context

from .application import Stations
from .commands import EstablishCountyPlan, PlanStation
from .domain import CountyPlan, Station

COUNTY_CODE = "XX"
COUNTY_NAME = "XX县"
PERIOD_START_YEAR = 2021
PERIOD_END_YEAR = 2023
POPULATION_AS_OF = date(2020, 12, 31)  # the plan's 2020 baseline

BATCHES: list[dict[str, Any]] = [
    {"batch": 1, "deadline": date(2021, 12, 31)},
    {"batch": 2, "deadline": date(2022, 12, 31)},
]

# (code, name, kind, household-registered population 户籍人口, batch, villages/communities)
_TOWNSHIPS: list[tuple[str, str, str, int, int, list[tuple[str, str]]]] = [
    (
        "T01",
        "城关镇",
        "town",
        86420,
        1,
        [
            ("东街社区", "community"),
            ("西街社区", "community"),
            ("南关社区", "community"),
            ("北门村", "village"),
            ("桥头村", "village"),
            ("杨庄村", "village"),
        ],
    ),
    (
        "T02",
        "青石镇",
        "town",
        41230,
        1,
        [("青石社区", "community"), ("上坪村", "village"), ("下坪村", "village"), ("石岗村", "village")],
    ),
    (
        "T03",
        "柳溪乡",
        "township",
        18650,
        1,
        [("柳溪村", "village"), ("河湾村", "village"), ("竹园村", "village")],
    ),
    (
        "T04",
        "河口镇",
        "town",
        35780,
        1,
        [
            ("河口社区", "community"),
            ("渡口村", "village"),
            ("沙坝村", "village"),
            ("枣林村", "village"),
            ("马场村", "village"),
        ],
    ),
    (
        "T05",
        "白马镇",
        "town",
        29940,
        1,
        [("白马社区", "community"), ("红岩村", "village"), ("高桥村", "village"), ("李家村", "village")],
    ),
    (
        "T06",
        "龙泉镇",
        "town",
        38210,
        2,
        [
            ("龙泉社区", "community"),
            ("泉水村", "village"),
            ("龙头村", "village"),
            ("田坝村", "village"),
            ("新庄村", "village"),
        ],
    ),
    (
        "T07",
        "新华镇",
        "town",
        33570,
        2,
        [("新华社区", "community"), ("和平村", "village"), ("光明村", "village"), ("团结村", "village")],
    ),
    (
        "T08",
        "松岭乡",
        "township",
        15480,
        2,
        [("松岭村", "village"), ("岭后村", "village"), ("大坪村", "village")],
    ),
    (
        "T09",
        "石门镇",
        "town",
        27360,
        2,
        [("石门社区", "community"), ("关口村", "village"), ("黄土村", "village"), ("柏树村", "village")],
    ),
    (
        "T10",
        "安平镇",
        "town",
        31890,
        2,
        [
            ("安平社区", "community"),
            ("东湖村", "village"),
            ("西湖村", "village"),
            ("莲花村", "village"),
            ("长坡村", "village"),
            ("鱼塘村", "village"),
        ],
    ),
    (
        "T11",
        "梅山乡",
        "township",
        12740,
        2,
        [("梅山村", "village"), ("茶园村", "village"), ("云台村", "village")],
    ),
]

TOWNSHIPS: list[dict[str, Any]] = [
    {
        "code": code,
        "name": name,
        "kind": kind,
        "population": population,
        "population_as_of": POPULATION_AS_OF,
        "batch": batch,
        "villages": [
            {"code": f"{code}-{n:02d}", "name": village, "kind": village_kind}
            for n, (village, village_kind) in enumerate(villages, start=1)
        ],
    }
    for code, name, kind, population, batch, villages in _TOWNSHIPS
]


def load_seed(app: Stations, ctx: Context) -> dict[str, Any]:
    """Establishes the seed county's plan and plans its 11 stations; a second call changes nothing."""
    plan_created = not app.exists(CountyPlan.id_for(COUNTY_CODE))
    if plan_created:
        app.establish_county_plan(ctx, COUNTY_CODE, EstablishCountyPlan(
            county_name=COUNTY_NAME, period_start_year=PERIOD_START_YEAR, period_end_year=PERIOD_END_YEAR,
            batches=BATCHES, townships=TOWNSHIPS,
        ))
    planned = []
    for township in TOWNSHIPS:
        if not app.exists(Station.id_for(township["code"])):
            app.plan_station(ctx, COUNTY_CODE, PlanStation(township_code=township["code"]))
            planned.append(township["code"])
    return {
        "county_code": COUNTY_CODE,
        "county_plan_id": str(CountyPlan.id_for(COUNTY_CODE)),
        "county_plan_created": plan_created,
        "stations_planned": planned,
        "station_ids": {t["code"]: str(Station.id_for(t["code"])) for t in TOWNSHIPS},
    }


def main() -> None:
    """``python -m services.stations.seed``: loads the seed county into the stations store."""
    from shared.domain import Context, Role
    from shared.settings import get_settings
    from shared.store import ensure_database, eventsourcing_env

    from .main import make_application

    settings = get_settings()
    ensure_database(settings.database_url, settings.database_name("stations"))
    app = make_application(settings, eventsourcing_env(settings, "stations"))
    try:
        seeder = Context(actor="seed-loader", role=Role.CIVIL_AFFAIRS_ADMIN.value, organisation="county-civil-affairs",
                         reason="seed county of the three-year plan")
        result = load_seed(app, seeder)
    finally:
        app.close()
    planned = len(result["stations_planned"])
    print(f"seed county {result['county_code']}: plan {'created' if result['county_plan_created'] else 'present'}, "
          f"{planned} station(s) planned now, {len(result['station_ids'])} in all")


if __name__ == "__main__":
    main()
