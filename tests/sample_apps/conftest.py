"""One real run of each sample app, shared by the tests that look at what it exported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sample_apps.demo import FRAMEWORKS, DemoRun, run_demo

SECRET_KEY = "sample-apps-test-secret"
"""The apps' secret key in these tests, so pseudonymous ids can be checked."""


@pytest.fixture(scope="module", params=FRAMEWORKS)
def demo_run(request: pytest.FixtureRequest) -> Iterator[DemoRun]:
    """The sample app of one framework, started as a real server, visited by the demo's script, then stopped."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAMPLE_APP_SECRET_KEY", SECRET_KEY)
        yield run_demo(request.param)
