"""Logging for every process: text for people or one JSON object per line, each record
carrying the ids bound to the current request or sync run (`request_id`, `integration_id`,
`sync_id`) through a context variable, so threads and tasks never mix them up."""

from __future__ import annotations

import json
import logging
import logging.config
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

_bound: ContextVar[Mapping[str, str]] = ContextVar("log_context", default=MappingProxyType({}))
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s%(context_text)s"


def bind(**fields: str | None) -> None:
    """Add ids to every later record of this task or thread (None values are skipped)."""
    _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v}})


def clear() -> None:
    """Start a fresh context (a new request)."""
    _bound.set({})


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Ids bound for the duration of a block (a sync run in a pool thread)."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _bound.reset(token)


def current() -> Mapping[str, str]:
    return _bound.get()


class ContextFilter(logging.Filter):
    """Copies the bound ids onto the record (as `context`, and `context_text` for text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = dict(_bound.get())
        record.context = context
        record.context_text = "".join(f" {k}={v}" for k, v in context.items())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, process, bound ids, error."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
            **getattr(record, "context", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def logging_config(level: str, fmt: str) -> dict[str, Any]:
    """A `dictConfig` for the root logger (uvicorn's loggers propagate to it)."""
    formatter: dict[str, Any] = (
        {"()": "app.logs.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "app.logs.ContextFilter"}},
        "formatters": {"main": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
                "filters": ["context"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure_logging(level: str, fmt: str = "text") -> None:
    """Configure this process (the CLI, `serve`'s parent and every HTTP worker)."""
    logging.config.dictConfig(logging_config(level, fmt))
    logging.getLogger(__name__).debug("logging configured in process %s", os.getpid())
