"""The report as a picture: per flag, the latency distribution of each variant and its error rate with interval."""

from __future__ import annotations

from pathlib import Path

from ff_otel_impact._report import FlagReport, ImpactReport

_BASELINE = "#4c72b0"
_SAME = "#8c8c8c"
_CHANGED = "#c44e52"


def plot_report(report: ImpactReport, path: Path) -> None:
    """Write a PNG to `path`: one row per flag, latency distributions left, error rates right."""
    import matplotlib

    matplotlib.use("Agg")  # files only: never a window, whatever the environment says
    from matplotlib import pyplot

    rows = max(len(report.flags), 1)
    figure, axes = pyplot.subplots(rows, 2, figsize=(12, 3.6 * rows), squeeze=False,
                                   gridspec_kw={"width_ratios": (2.2, 1)})  # fmt: skip
    for (latency, errors), flag in zip(axes, report.flags, strict=False):
        _latency(latency, flag)
        _errors(errors, flag)
    if not report.flags:
        axes[0][0].text(0.5, 0.5, "no request with a flag evaluation matched", ha="center", va="center")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def _colour(flag: FlagReport, index: int) -> str:
    comparison = flag.variants[index].comparison
    if comparison is None:
        return _BASELINE
    return _CHANGED if comparison.findings else _SAME


def _label(flag: FlagReport, index: int) -> str:
    variant = flag.variants[index]
    comparison = variant.comparison
    verdict = "baseline" if comparison is None else comparison.verdict
    return f"{variant.variant} (n={variant.aggregate.requests:,}): {verdict}"


def _latency(axis: object, flag: FlagReport) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axis, Axes)
    for index, variant in enumerate(flag.variants):
        histogram = variant.aggregate.histogram
        total = sum(histogram.values()) or 1
        bins = range(min(histogram) - 1, max(histogram) + 2) if histogram else range(0)
        # Bin b spans 10^(b/10) to 10^((b+1)/10) ns; drawn in milliseconds, as a share of the variant's requests.
        edges = [10 ** (b / 10) / 1e6 for b in bins] + ([10 ** ((bins[-1] + 1) / 10) / 1e6] if histogram else [])
        shares = [histogram.get(b, 0) / total for b in bins]
        if shares:
            axis.stairs(shares, edges, color=_colour(flag, index), linewidth=2, label=_label(flag, index))
        axis.axvline(variant.aggregate.p50_ns / 1e6, color=_colour(flag, index), linestyle=":", linewidth=1)
    from matplotlib.ticker import FuncFormatter

    axis.set_xscale("log")
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_xlabel("request latency (ms, log scale; dotted: median)")
    axis.set_ylabel("share of requests")
    axis.set_title(f"{flag.flag}: latency by variant (baseline {flag.baseline})", loc="left")
    axis.legend(fontsize="small", frameon=False, loc="upper right")


def _errors(axis: object, flag: FlagReport) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axis, Axes)
    names = [variant.variant for variant in flag.variants]
    for index, variant in enumerate(flag.variants):
        rate = variant.error_rate
        axis.errorbar(
            [index], [rate.estimate * 100],
            yerr=[[(rate.estimate - rate.low) * 100], [(rate.high - rate.estimate) * 100]],
            fmt="o", capsize=6, markersize=7, color=_colour(flag, index),
        )  # fmt: skip
    axis.set_xticks(range(len(names)), names)
    axis.set_xlim(-0.6, len(names) - 0.4)
    axis.set_ylim(bottom=0)
    axis.set_ylabel("error rate (%), 95% interval")
    axis.set_title(f"{flag.flag}: errors", loc="left")
    axis.grid(axis="y", alpha=0.3)
