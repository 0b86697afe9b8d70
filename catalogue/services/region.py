"""The region's map geometry: municipality and Kreis boundaries projected once into SVG paths.

The boundaries are data (``REGION_BOUNDARIES``, a GeoJSON FeatureCollection in WGS 84 with
``properties.ags``, ``name`` and ``level`` = ``gemeinde`` | ``kreis``), so a deployment for another
region ships its own file. The projection is an equirectangular one scaled by the cosine of the
region's mean latitude — exact enough for a region of a few dozen kilometres and free of
dependencies. The projected map is cached per file path and modification time, so each process
reads and projects the file once. This module draws nothing and never touches the database.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAP_WIDTH = 600.0
MARGIN = 4.0
# A point closer than this (in map units) to the previous one adds nothing visible at this size.
MIN_STEP = 0.6

DEFAULT_BOUNDARIES = Path(__file__).resolve().parent.parent / "data" / "owl" / "boundaries.geojson"


class RegionDataError(ValueError):
    """The boundaries file is missing or not a usable FeatureCollection."""


@dataclass(frozen=True)
class Area:
    ags: str  # 8 digits; Kreise padded with "000" like the municipality table
    name: str
    level: str  # "gemeinde" or "kreis"
    path: str  # SVG path data in map units
    cx: float  # label / network anchor: centroid of the largest ring
    cy: float


@dataclass(frozen=True)
class RegionMap:
    width: float
    height: float
    municipalities: tuple[Area, ...]
    kreise: tuple[Area, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"

    def anchor(self, ags: str) -> tuple[float, float] | None:
        for area in self.municipalities + self.kreise:
            if area.ags == ags:
                return area.cx, area.cy
        return None


_cache: dict[tuple[str, float], RegionMap] = {}
_lock = threading.Lock()


def region_map(path: str | Path | None = None) -> RegionMap:
    """The projected map of the boundaries file at ``path`` (default: the shipped OWL file)."""
    file = Path(path) if path else DEFAULT_BOUNDARIES
    try:
        key = (str(file), file.stat().st_mtime)
    except OSError as error:
        raise RegionDataError(f"boundaries file not found: {file}") from error
    with _lock:
        cached = _cache.get(key)
        if cached is None:
            cached = project(_read(file))
            _cache.clear()
            _cache[key] = cached
        return cached


def _read(file: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RegionDataError(f"cannot read boundaries file {file}: {error}") from error
    features = data.get("features") if isinstance(data, dict) else None
    if not features or not isinstance(features, list):
        raise RegionDataError(f"{file} holds no features")
    return features


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    return []


def project(features: list[dict[str, Any]]) -> RegionMap:
    """Project GeoJSON features into an SVG coordinate system ``MAP_WIDTH`` wide."""
    parsed = []
    for feature in features:
        props = feature.get("properties") or {}
        rings = _rings(feature.get("geometry") or {})
        ags = str(props.get("ags") or "")
        if not ags or not rings:
            continue
        level = "kreis" if props.get("level") == "kreis" else "gemeinde"
        parsed.append((ags.ljust(8, "0"), str(props.get("name") or ags), level, rings))
    if not parsed:
        raise RegionDataError("no feature has an ags and a polygon")
    points = [p for *_, rings in parsed for ring in rings for p in ring]
    min_lon = min(p[0] for p in points)
    max_lon = max(p[0] for p in points)
    min_lat = min(p[1] for p in points)
    max_lat = max(p[1] for p in points)
    x_factor = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = (MAP_WIDTH - 2 * MARGIN) / max((max_lon - min_lon) * x_factor, 1e-9)
    height = (max_lat - min_lat) * scale + 2 * MARGIN

    def xy(point: list[float]) -> tuple[float, float]:
        return (
            MARGIN + (point[0] - min_lon) * x_factor * scale,
            MARGIN + (max_lat - point[1]) * scale,
        )

    municipalities: list[Area] = []
    kreise: list[Area] = []
    for ags, name, level, rings in parsed:
        projected = [[xy(p) for p in ring] for ring in rings]
        area = Area(ags, name, level, _path(projected), *_centroid(projected))
        (kreise if level == "kreis" else municipalities).append(area)
    return RegionMap(
        width=MAP_WIDTH,
        height=round(height, 1),
        municipalities=tuple(sorted(municipalities, key=lambda a: a.name)),
        kreise=tuple(sorted(kreise, key=lambda a: a.name)),
    )


def _path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        kept = [ring[0]]
        for point in ring[1:]:
            last = kept[-1]
            if abs(point[0] - last[0]) + abs(point[1] - last[1]) >= MIN_STEP:
                kept.append(point)
        if len(kept) < 3:
            continue
        parts.append(
            "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in kept) + "Z",
        )
    return "".join(parts)


def _centroid(rings: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """Area centroid of the largest ring (shoelace formula)."""
    best, best_area = (0.0, 0.0), -1.0
    for ring in rings:
        a = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x0 * y1 - x1 * y0
            a += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(a) < 1e-9:
            continue
        if abs(a) > best_area:
            best_area = abs(a)
            best = (cx / (3 * a), cy / (3 * a))
    return round(best[0], 1), round(best[1], 1)
