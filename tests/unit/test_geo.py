"""Geography as pure code: distances and search boxes, across ±180° and near the poles."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue import load_regions
from bot.domain.geo import EARTH_RADIUS_KM, BoundingBox, PlaceIndex, bounding_boxes, distance_km

REGIONS = load_regions()
BY_SLUG = {r.slug: r for r in REGIONS}


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex(REGIONS)


def capitals_km(a: str, b: str) -> float:
    ra, rb = BY_SLUG[a], BY_SLUG[b]
    return distance_km(ra.lat, ra.lon, rb.lat, rb.lon)


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` away from (lat, lon) along `bearing_deg`, on the same sphere."""
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    theta, delta = math.radians(bearing_deg), km / EARTH_RADIUS_KM
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(
        theta
    )
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * sin_phi2,
    )
    return math.degrees(phi2), (math.degrees(lmb2) + 180.0) % 360.0 - 180.0


def in_boxes(boxes: list[BoundingBox], lat: float, lon: float) -> bool:
    return any(box.contains(lat, lon) for box in boxes)


# --- distances ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected", "tolerance"),
    [
        ("moscow-city", "saint-petersburg-city", 634, 10),
        ("moscow-city", "novosibirsk-oblast", 2810, 30),
        ("kaliningrad-oblast", "primorsky-krai", 7350, 50),
    ],
)
def test_distance_between_capitals(a: str, b: str, expected: float, tolerance: float) -> None:
    assert capitals_km(a, b) == pytest.approx(expected, abs=tolerance)
    assert capitals_km(b, a) == pytest.approx(capitals_km(a, b))


def test_distance_across_the_antimeridian_is_short() -> None:
    # Anadyr and a point 7.5° further east, written with a negative longitude.
    km = distance_km(64.7, 177.5, 65.0, -175.0)
    assert 330 < km < 380
    assert km == pytest.approx(distance_km(64.7, 177.5, 65.0, 185.0))
    assert distance_km(0.0, 179.9, 0.0, -179.9) == pytest.approx(22.2, abs=0.1)


def test_distance_edge_cases() -> None:
    assert distance_km(55.75, 37.62, 55.75, 37.62) == 0.0
    assert distance_km(55.75, 37.62, 55.75, 37.62 + 360.0) == pytest.approx(0.0, abs=1e-6)
    half_circumference = math.pi * EARTH_RADIUS_KM
    assert distance_km(90.0, 0.0, -90.0, 0.0) == pytest.approx(half_circumference)
    assert distance_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(half_circumference)
    # Over the pole: two degrees of arc.
    assert distance_km(89.0, 0.0, 89.0, 180.0) == pytest.approx(math.radians(2) * EARTH_RADIUS_KM)


# --- bounding boxes ----------------------------------------------------------------------------


def test_one_box_in_the_middle_of_russia() -> None:
    boxes = bounding_boxes(55.75, 37.62, 100.0)
    assert len(boxes) == 1
    (box,) = boxes
    assert box.min_lat < 55.75 < box.max_lat
    assert box.min_lon < 37.62 < box.max_lon
    # 100 km is 0.9° of latitude and, at 55.75°N, about 1.6° of longitude.
    assert box.max_lat - box.min_lat == pytest.approx(1.8, abs=0.01)
    assert box.max_lon - box.min_lon == pytest.approx(3.2, abs=0.05)
    for bearing in range(0, 360, 15):
        assert in_boxes(boxes, *destination(55.75, 37.62, bearing, 100.0))
    assert not in_boxes(boxes, *destination(55.75, 37.62, 0, 101.0))
    assert not in_boxes(boxes, *destination(55.75, 37.62, 90, 105.0))


@pytest.mark.parametrize("lon", [177.5, -177.5, 180.0, -180.0])
def test_boxes_split_at_the_antimeridian(lon: float) -> None:
    boxes = bounding_boxes(64.7, lon, 500.0)
    assert len(boxes) == 2
    assert {(b.min_lon == -180.0, b.max_lon == 180.0) for b in boxes} == {
        (True, False),
        (False, True),
    }
    for box in boxes:
        assert -180.0 <= box.min_lon <= box.max_lon <= 180.0
    for bearing in range(0, 360, 10):
        assert in_boxes(boxes, *destination(64.7, lon, bearing, 500.0))
    assert in_boxes(boxes, 65.0, -175.0 if lon > 0 else 175.0) == (abs(lon) > 177)
    assert not in_boxes(boxes, 64.7, 0.0)


def test_chukotka_box_reaches_the_other_side() -> None:
    anadyr = BY_SLUG["chukotka-ao"]
    boxes = bounding_boxes(anadyr.lat, anadyr.lon, 400.0)
    assert in_boxes(boxes, 65.0, -175.0)
    assert in_boxes(boxes, anadyr.lat, anadyr.lon)


@pytest.mark.parametrize(("lat", "radius"), [(89.5, 100.0), (-89.9, 50.0), (60.0, 4000.0)])
def test_boxes_near_a_pole_span_every_longitude(lat: float, radius: float) -> None:
    boxes = bounding_boxes(lat, 10.0, radius)
    assert len(boxes) == 1
    (box,) = boxes
    assert (box.min_lon, box.max_lon) == (-180.0, 180.0)
    assert -90.0 <= box.min_lat <= box.max_lat <= 90.0
    pole = 90.0 if lat > 0 else -90.0
    assert box.contains(pole, 123.0)
    assert box.contains(*destination(lat, 10.0, 180.0, radius))


def test_box_of_radius_zero_and_bad_input() -> None:
    (box,) = bounding_boxes(55.0, 37.0, 0.0)
    assert box.contains(55.0, 37.0)
    assert not box.contains(55.01, 37.0)
    with pytest.raises(ValueError):
        bounding_boxes(55.0, 37.0, -1.0)
    with pytest.raises(ValueError):
        bounding_boxes(95.0, 37.0, 10.0)
    with pytest.raises(ValueError):
        bounding_boxes(55.0, math.nan, 10.0)


@settings(max_examples=300, database=None, deadline=None)
@given(
    lat=st.floats(min_value=-90.0, max_value=90.0),
    lon=st.floats(min_value=-180.0, max_value=180.0),
    radius=st.floats(min_value=0.0, max_value=5000.0),
    bearing=st.floats(min_value=0.0, max_value=360.0),
    fraction=st.floats(min_value=0.0, max_value=1.0),
)
def test_boxes_contain_every_point_within_the_radius(
    lat: float, lon: float, radius: float, bearing: float, fraction: float
) -> None:
    point = destination(lat, lon, bearing, radius * fraction)
    # Within a metre: near a pole asin(cos d) loses the last millimetres of a tiny distance.
    assert distance_km(lat, lon, *point) == pytest.approx(radius * fraction, abs=1e-3)
    assert in_boxes(bounding_boxes(lat, lon, radius), *point)


def test_module_is_pure() -> None:
    code = (
        "import sys, bot.domain.geo; "
        "sys.exit(any(m in sys.modules for m in ('aiogram', 'storage')))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
