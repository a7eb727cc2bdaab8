"""The scheduler's decisions: due slots, the catch-up window, never a second job for an outlet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.scheduling import Job, _scrapyd_time, decide

CRON = "17 */6 * * *"  # 00:17, 06:17, 12:17, 18:17 UTC
WINDOW = timedelta(minutes=30)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, second, tzinfo=UTC)


def test_due_on_the_slot_minute_and_within_the_window() -> None:
    for now in (at(6, 17), at(6, 17, 30), at(6, 40)):
        decision = decide("gr", CRON, [], now, WINDOW)
        assert decision.due, now
        assert decision.slot == at(6, 17)
        assert "due: slot 2026-11-25 06:17 UTC" in decision.reason


def test_not_due_outside_the_window() -> None:
    decision = decide("gr", CRON, [], at(7, 0), WINDOW)
    assert not decision.due
    assert "outside" in decision.reason
    assert "next 2026-11-25 12:17 UTC" in decision.reason
    assert not decide("gr", CRON, [], at(6, 16, 59), WINDOW).due


def test_a_pending_or_running_job_blocks_a_second_one() -> None:
    for state in ("pending", "running"):
        jobs = [Job("j1", "gr", state, at(0, 17) if state == "running" else None)]
        decision = decide("gr", CRON, jobs, at(6, 17), WINDOW)
        assert not decision.due
        assert f"job j1 is still {state}" in decision.reason
    # another outlet's job does not
    assert decide("gr", CRON, [Job("j2", "rt", "running", at(6, 0))], at(6, 17), WINDOW).due


def test_a_job_started_for_this_slot_is_not_started_again() -> None:
    jobs = [Job("j1", "gr", "finished", at(6, 17, 2))]
    decision = decide("gr", CRON, jobs, at(6, 25), WINDOW)
    assert not decision.due
    assert "job j1 started" in decision.reason
    # a job of the slot before does not count
    assert decide("gr", CRON, [Job("j0", "gr", "finished", at(0, 17, 2))], at(6, 25), WINDOW).due


def test_no_schedule_is_never_due() -> None:
    assert not decide("gr", None, [], at(6, 17), WINDOW).due


def test_scrapyd_times_are_local_naive() -> None:
    naive = datetime(2026, 11, 25, 6, 17, 2)
    assert _scrapyd_time("2026-11-25 06:17:02.000001") == naive.replace(microsecond=1).astimezone(UTC)
    assert _scrapyd_time(None) is None
    assert _scrapyd_time("garbage") is None
