"""Commands: one use case per module, each a frozen msgspec command and its handler."""
