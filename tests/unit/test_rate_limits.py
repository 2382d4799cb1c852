"""The token buckets behind the REST channel's rate limits, on a clock the test moves."""
import pytest

from channels import rate_limits
from channels.rate_limits import TokenBuckets, parse_limit


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_burst_then_the_refill_rate():
    clock = Clock()
    buckets = TokenBuckets(3, 30, clock)  # three in a row, then one every two seconds
    assert [buckets.take("a") for _ in range(3)] == [None, None, None]
    wait = buckets.take("a")
    assert wait == pytest.approx(2.0)
    clock.now += 1.0
    assert buckets.take("a") == pytest.approx(1.0), "half a message refilled"
    clock.now += 1.0
    assert buckets.take("a") is None
    assert buckets.take("b") is None, "each key has its own bucket"


def test_a_quiet_key_refills_to_its_burst_and_no_further():
    clock = Clock()
    buckets = TokenBuckets(2, 60, clock)
    buckets.take("a"), buckets.take("a")
    clock.now += 3600
    assert [buckets.take("a") is None for _ in range(3)] == [True, True, False]


def test_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(rate_limits, "MAX_KEYS", 100)
    buckets = TokenBuckets(1, 1, Clock())
    for number in range(1000):
        buckets.take(f"key-{number}")
    assert len(buckets._buckets) == 100


@pytest.mark.parametrize("text", ["10", "0/30", "10/-1", "ten/30", ""])
def test_a_malformed_limit_is_refused(text):
    with pytest.raises(ValueError):
        parse_limit(text)


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_CONVERSATION", "5/120")
    buckets = TokenBuckets.from_env("RATE_LIMIT_CONVERSATION", "10/30")
    assert (buckets.burst, buckets.per_second) == (5, 2)


def test_long_messages_cost_more_and_never_more_than_the_burst():
    from channels.rate_limits import message_cost

    assert (message_cost("hi"), message_cost("a" * 2499), message_cost("a" * 2500), message_cost("a" * 20_000)) == (1, 1, 2, 9)
    clock = Clock()
    buckets = TokenBuckets(10, 30, clock)
    assert buckets.take("a", message_cost("a" * 20_000)) is None
    assert buckets.take("a", 9) == pytest.approx(16.0), "eight more tokens, at one every two seconds"
    assert buckets.take("b", 50) is None, "a cost above the burst is charged as the burst"


def test_a_refund_gives_back_a_message_another_limit_refused():
    clock = Clock()
    buckets = TokenBuckets(2, 1, clock)
    assert buckets.take("a") is None and buckets.take("a") is None
    buckets.refund("a")
    assert buckets.take("a") is None, "the refunded message is available again"
    assert buckets.take("a") is not None
    buckets.refund("a", 10)
    assert [buckets.take("a") is None for _ in range(3)] == [True, True, False], "never above the burst"
