"""Delivery-engine fixtures: a real RQ worker in burst mode over the test app's Redis."""

from __future__ import annotations

import pytest

from jobs.worker import run_worker


@pytest.fixture
def drain(app):
    """Run a forking burst worker on every queue until they are empty."""

    def run(application=None):
        target = application or app
        run_worker(target, list(target.config["RQ_QUEUES"]), burst=True)

    return run
