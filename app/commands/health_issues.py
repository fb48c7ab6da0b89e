"""An integration's health issues, loaded beside the outcome that opens or resolves them and
saved in the outcome's transaction (only when something changed): an issue is never recorded
without its cause, and two writers observing the same condition collide in the store."""

from __future__ import annotations

from app.aggregates.health_issues import HealthIssues
from app.aggregates.integration import Integration
from app.commands.store import Store


def issues_of(store: Store, integration: Integration) -> HealthIssues:
    """The integration's issues (a new, unsaved stream when none was ever opened)."""
    return store.find(HealthIssues, HealthIssues.create_id(str(integration.id))) or HealthIssues(
        integration_id=str(integration.id), account_id=integration.account_id
    )


def changed(issues: HealthIssues) -> tuple[HealthIssues, ...]:
    """What to save beside the outcome: the issues, when they recorded something."""
    return (issues,) if issues.has_news() else ()
