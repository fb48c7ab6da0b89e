"""Health issues: given what is open, when an outcome or an observation comes, then which
events are recorded (an issue opens once, is seen at most every `seen_every`, resolves
after a later success)."""

from __future__ import annotations

from typing import Any

import pytest

from app.aggregates.health_issues import HealthIssues, HealthRules

RULES = HealthRules(failing_after=3, seen_every=3600)
T0, T1, T2 = (
    "2026-03-01T10:00:00.000000Z",
    "2026-03-01T10:30:00.000000Z",
    "2026-03-01T11:00:00.000000Z",
)


def given(*kinds: str) -> HealthIssues:
    issues = HealthIssues(integration_id="i-1", account_id="a-1")
    for kind in kinds:
        issues.observe(kind, detail="given", at=T0)
    issues.collect_events()
    return issues


def topics(issues: HealthIssues) -> list[tuple[str, str]]:
    return [
        (type(e).TOPIC.removeprefix("integration.health_issue_"), e.kind)
        for e in issues.collect_events()
    ]


def failed(issues: HealthIssues, failed_runs: int, rejected: bool = False, **kw: Any) -> None:
    issues.sync_finished(
        outcome="failed",
        error="boom",
        failed_runs=failed_runs,
        credentials_rejected=rejected,
        at=kw.get("at", T1),
        rules=RULES,
    )


def test_the_stream_id_is_derived_from_the_integration() -> None:
    assert given().id == HealthIssues.create_id("i-1") != HealthIssues.create_id("i-2")


def test_a_credential_rejection_opens_credentials_rejected_once() -> None:
    issues = given()
    failed(issues, 1, rejected=True)
    assert topics(issues) == [("opened", "credentials_rejected")]
    failed(issues, 2, rejected=True)
    assert topics(issues) == []
    assert issues.open["credentials_rejected"]["opened_at"] == T1


def test_failed_runs_open_sync_failing_at_the_configured_count() -> None:
    issues = given()
    failed(issues, 2)
    assert topics(issues) == []
    failed(issues, 3)
    assert topics(issues) == [("opened", "sync_failing")]
    failed(issues, 4)
    assert topics(issues) == []


def test_an_open_issue_is_seen_again_only_after_seen_every() -> None:
    issues = given("sync_failing")
    failed(issues, 4, at=T1)
    assert topics(issues) == []
    failed(issues, 5, at=T2)
    assert topics(issues) == [("seen", "sync_failing")]
    assert issues.open["sync_failing"]["last_seen"] == T2


def test_a_successful_sync_resolves_failing_and_rejected_but_not_the_paused_schedule() -> None:
    issues = given("sync_failing", "credentials_rejected", "schedule_auto_paused")
    issues.sync_finished(
        outcome="success", error=None, failed_runs=0, credentials_rejected=False, at=T1, rules=RULES
    )
    assert topics(issues) == [("resolved", "credentials_rejected"), ("resolved", "sync_failing")]
    assert list(issues.open) == ["schedule_auto_paused"]


def test_a_cancelled_run_changes_nothing() -> None:
    issues = given("sync_failing")
    issues.sync_finished(
        outcome="cancelled",
        error=None,
        failed_runs=9,
        credentials_rejected=True,
        at=T2,
        rules=RULES,
    )
    assert topics(issues) == []


@pytest.mark.parametrize(
    ("success", "code", "expected"),
    [
        (False, "unauthorized", [("opened", "credentials_rejected")]),
        (False, "forbidden", [("opened", "credentials_rejected")]),
        (False, "timeout", []),
        (True, "ok", []),
    ],
)
def test_connection_tests_open_credentials_rejected_only_for_401_and_403(
    success: bool,
    code: str,
    expected: list[tuple[str, str]],
) -> None:
    issues = given()
    issues.connection_tested(success=success, code=code, message="m", at=T1, rules=RULES)
    assert topics(issues) == expected


def test_a_successful_connection_test_resolves_credentials_rejected() -> None:
    issues = given("credentials_rejected")
    issues.connection_tested(success=True, code="ok", message="ok", at=T1, rules=RULES)
    assert topics(issues) == [("resolved", "credentials_rejected")]


def test_a_resumed_schedule_resolves_schedule_auto_paused_and_may_reopen() -> None:
    issues = given()
    issues.schedule_paused_itself(reason="401", at=T0)
    issues.schedule_resumed(at=T1)
    issues.schedule_paused_itself(reason="401 again", at=T2)
    events = issues.collect_events()
    assert [(type(e).__name__, e.number) for e in events] == [
        ("Opened", 1),
        ("Resolved", 1),
        ("Opened", 2),
    ]
    assert events[2].detail == "401 again"


def test_resolving_what_is_not_open_records_nothing_and_a_fresh_stream_has_no_news() -> None:
    issues = HealthIssues(integration_id="i-1", account_id="a-1")
    issues.schedule_resumed(at=T1)
    assert not issues.has_news()
    issues.observe("webhooks_silent", detail="quiet", at=T1, since=T0)
    assert issues.has_news() and issues.open["webhooks_silent"]["since"] == T0


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown health issue kind"):
        given().observe("bored", detail="", at=T0)


def test_a_long_detail_is_cut() -> None:
    issues = given()
    issues.observe("sync_failing", detail="x" * 2000, at=T0)
    (opened,) = issues.collect_events()
    assert len(opened.detail) == 500
