"""ЦОПП centres: the nearest ones to a place, one centre, and its programmes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.catalogue import Center, Program, Region
from bot.domain.geo import PlaceIndex
from bot.domain.ranking import nearest
from bot.services.recommendations import today
from storage.db import Database


@dataclass(frozen=True, slots=True)
class NearbyCenter:
    center: Center
    region: Region
    distance_km: float


async def nearest_centers(
    db: Database, places: PlaceIndex, lat: float, lon: float, count: int
) -> list[NearbyCenter]:
    """The `count` nearest centres, nearest first (a centre of an unknown region is left out)."""
    async with db.autocommit() as repos:
        found = await nearest(repos.catalogue, lat, lon, count)
        centers = await repos.catalogue.centers([n.id for n in found])
    nearby = []
    for item in found:
        center = centers[item.id]
        region = places.by_slug(center.region_slug)
        if region is not None:
            nearby.append(NearbyCenter(center, region, item.distance_km))
    return nearby


async def nearest_center(db: Database, lat: float, lon: float) -> tuple[Center, float]:
    """The one nearest centre and how far it is (the catalogue always has centres)."""
    async with db.autocommit() as repos:
        (found,) = await nearest(repos.catalogue, lat, lon, 1)
        center = await repos.catalogue.center(found.id)
    assert center is not None
    return center, found.distance_km


async def center(db: Database, center_id: str) -> Center | None:
    async with db.autocommit() as repos:
        return await repos.catalogue.center(center_id)


async def center_programs(
    db: Database, center_id: str, limit: int
) -> tuple[Center | None, list[Program]]:
    """The centre and its programmes open for enrolment (ended ones stay for history only)."""
    async with db.autocommit() as repos:
        found = await repos.catalogue.center(center_id)
        programs = (
            await repos.catalogue.programs_of_center(found.id, limit, today()) if found else []
        )
    return found, programs
