"""Which failures a run is attempted again for, and after how long.

Transient: refused or dropped connections, timeouts, 429 and 5xx. Permanent: everything else
(401/403, not WordPress, 404, a refused item), and a 401/403 also tells the schedule to pause.
The wait is tenacity's exponential backoff with jitter (the policy stamina applies inside one
request, see `app/platforms/http.py`), computed here as a value because a run's next attempt
is persisted as `next_retry_at` and may be made by another worker; `Retry-After` is a floor."""

from __future__ import annotations

from dataclasses import dataclass

import tenacity

from app.platforms import PlatformError
from app.settings import Settings

TRANSIENT_CODES = frozenset({"unreachable", "timeout"})


def http_status(exc: PlatformError) -> int | None:
    status = exc.details.get("http_status")
    return status if isinstance(status, int) else None


def is_transient(exc: PlatformError) -> bool:
    status = http_status(exc)
    return exc.code in TRANSIENT_CODES or status == 429 or (status or 0) >= 500


def retry_after(exc: PlatformError) -> float | None:
    seconds = exc.details.get("retry_after")
    return float(seconds) if isinstance(seconds, int | float) else None


def rejects_credentials(exc: PlatformError) -> bool:
    return exc.code in ("unauthorized", "forbidden") or http_status(exc) in (401, 403)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    wait: float
    wait_max: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max(1, settings.sync_attempts), settings.sync_retry_wait, settings.sync_retry_wait_max
        )

    def retries(self, exc: PlatformError, attempt: int) -> bool:
        return is_transient(exc) and attempt < self.attempts

    def wait_after(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before the attempt after `attempt` (1-based): about wait·2^(attempt-1)."""
        state = tenacity.RetryCallState(tenacity.Retrying(), None, (), {})
        state.attempt_number = attempt
        backoff = tenacity.wait_exponential_jitter(
            multiplier=self.wait, max=self.wait_max, jitter=self.wait
        )(state)
        return max(backoff, retry_after or 0.0)
