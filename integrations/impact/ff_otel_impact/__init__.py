"""`ff-otel impact`: per-variant latency and errors of feature flags, from traces already stored.

Usage::

    ff-otel impact traces/*.json.gz --flag new-checkout
    ff-otel impact --clickhouse http://localhost:8123/otel --since 2026-03-01T00:00:00Z --plot impact.png

or from Python: ``analyze_files(["traces/"], ImpactQuery(flag="new-checkout"))``.
"""

from __future__ import annotations

from ff_otel_impact._analyze import analyze_clickhouse, analyze_files, analyze_with
from ff_otel_impact._query import ImpactQuery, parse_instant
from ff_otel_impact._render import render_json, render_table
from ff_otel_impact._report import NO_DIFFERENCE, Comparison, FlagReport, ImpactReport, VariantReport

__all__ = [
    "NO_DIFFERENCE",
    "Comparison",
    "FlagReport",
    "ImpactQuery",
    "ImpactReport",
    "VariantReport",
    "analyze_clickhouse",
    "analyze_files",
    "analyze_with",
    "parse_instant",
    "render_json",
    "render_table",
]
