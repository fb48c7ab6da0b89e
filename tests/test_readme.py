"""The README's configuration table is generated from the settings and must stay in step."""

from __future__ import annotations

from pathlib import Path

from app.settings import describe_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def settings_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [
        f"| `{name}` | {f'`{default}` ' if default else ''}| {meaning} |"
        for name, default, meaning in describe_settings()
    ]
    return "\n".join(rows)


def test_readme_documents_every_setting() -> None:
    text = README.read_text()
    table = text.split("<!-- settings:start -->\n")[1].split("\n<!-- settings:end -->")[0]
    assert table == settings_table()
