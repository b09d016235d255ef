"""Jobs retry with exponential back-off, so an outage outlives a few retries."""

from __future__ import annotations

import procrastinate

from laskutin.jobs.queue import RETRY_BACKOFF_BASE, retry_strategy


def test_no_retries_means_no_strategy() -> None:
    assert retry_strategy(0) is False


def test_retries_wait_longer_each_time() -> None:
    strategy = retry_strategy(5)

    assert isinstance(strategy, procrastinate.RetryStrategy)
    assert strategy.max_attempts == 5
    assert strategy.exponential_wait == RETRY_BACKOFF_BASE
    assert strategy.wait == 0
    assert strategy.linear_wait == 0
