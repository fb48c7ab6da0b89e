"""How far a run got: recorded with every page, item or batch it finishes, so a run taken
over by another worker (or attempted again) goes on from there, skipping nothing done."""

from __future__ import annotations

from typing import Any

import msgspec

STEPS: dict[str, tuple[str, ...]] = {
    "metadata": ("metadata",),
    "from_external": ("pull",),
    "to_external": ("push",),
    "both": ("metadata", "pull", "push"),
    "reconcile": ("pull", "sweep"),
}
PHASES = {
    "metadata": "metadata",
    "pull": "from_external",
    "push": "to_external",
    "sweep": "reconcile",
}
"""The phase a step shows as in `sync-status/`."""


class Checkpoint(msgspec.Struct, kw_only=True):
    step: int = 0
    """Index into the direction's STEPS."""
    type_index: int = 0
    """Pull: the post type being listed."""
    page: int = 1
    """Pull: the next page of that type."""
    item: int = 0
    """Push: the next item."""
    after_id: int = 0
    """Sweep: the last post id checked."""
    watermark: str | None = None
    """Pull: the newest `modified_at` seen so far."""
    counts: dict[str, int] = {}
    failure: str | None = None
    """Push: the first item WordPress refused."""

    def next_step(self) -> None:
        self.step += 1
        self.type_index, self.page, self.item, self.after_id = 0, 1, 0, 0

    def count(self, name: str, added: int = 1) -> None:
        if added:
            self.counts = {**self.counts, name: self.counts.get(name, 0) + added}

    def phase(self, direction: str) -> str:
        steps = STEPS[direction]
        return PHASES[steps[min(self.step, len(steps) - 1)]]

    def as_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]

    @classmethod
    def of(cls, recorded: dict[str, Any] | None, watermark: str | None) -> Checkpoint:
        """Where a run stands: its recorded checkpoint, or the start (from `watermark`)."""
        if recorded:
            return msgspec.convert(recorded, cls)
        return cls(watermark=watermark)
