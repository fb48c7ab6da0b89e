"""A msgspec transcoder: several times faster than the stdlib JSON one, which matters for
rebuilds. Event payloads hold JSON-native values only; the library's own `timestamp`
is the one field turned back into a datetime."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from eventsourcing.persistence import Transcoder

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


class MsgspecTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return _encoder.encode(obj)

    def decode(self, data: bytes) -> Any:
        state = _decoder.decode(data)
        stamp = state.get("timestamp")
        if isinstance(stamp, str):
            state["timestamp"] = datetime.fromisoformat(stamp)
        return state
