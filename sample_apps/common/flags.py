"""The flagd provider in offline file mode, and the flags the sample pages evaluate."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from openfeature import api
from openfeature.client import OpenFeatureClient
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType

FLAGS_FILE = Path(__file__).with_name("flags.json")
"""The one flag definition file every sample app reads."""

MISSING_FLAG = "beta-dashboard"
"""A flag that `flags.json` does not define: evaluating it records an error."""

IMPACT_FLAG = "new-checkout"
"""The flag whose impact the sample apps measure: each request's duration and errors per variant."""


def use_flagd(path: Path = FLAGS_FILE) -> None:
    """Set the flagd provider, reading `path` in-process (no flagd daemon), and wait until it is ready."""
    api.set_provider_and_wait(FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(path)))


def flag_client() -> OpenFeatureClient:
    """The OpenFeature client the sample apps evaluate flags with."""
    return api.get_client("sample-app")


@dataclasses.dataclass(frozen=True)
class Storefront:
    """What the home page looks like for one visitor: one flag of each type, and a disabled one."""

    new_checkout: bool
    banner_color: str
    max_items: int
    layout: dict[str, Any]
    legacy_search: bool


def storefront(client: OpenFeatureClient) -> Storefront:
    """Evaluate the home page's flags for whoever the current request is for."""
    layout = client.get_object_value("layout", {"columns": 1})
    return Storefront(
        new_checkout=client.get_boolean_value("new-checkout", False),
        banner_color=client.get_string_value("banner-color", "#777777"),
        max_items=client.get_integer_value("max-items", 5),
        layout=dict(layout) if isinstance(layout, dict) else {"columns": 1},
        legacy_search=client.get_boolean_value("legacy-search", False),
    )


def beta_dashboard(client: OpenFeatureClient) -> bool:
    """Evaluate a flag nobody defined: the default comes back, and the evaluation is recorded as an error."""
    return client.get_boolean_value(MISSING_FLAG, False)
