"""The one-file HTML page: styles, script and data inlined, nothing fetched when it opens."""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any


def asset(name: str) -> str:
    return resources.files("service.report").joinpath(name).read_text(encoding="utf-8")


def page(title: str, subtitle: str, body: str, data: Any) -> str:
    """A complete page; ``data`` is what report.js reads (claim details by answer)."""
    # "</" could end the script element early; JSON allows "<\/" for it.
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{asset('report.css')}</style></head>"
        f"<body><header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>"
        f'<main>{body}</main><div id="popup" role="dialog"></div>'
        f'<script type="application/json" id="veracity-data">{payload}</script>'
        f"<script>{asset('report.js')}</script></body></html>\n"
    )


def stat(value: str, label: str) -> str:
    return f'<div class="stat"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


def table(head: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    """A table of already-escaped cells; columns from ``numeric_from`` on are right-aligned."""

    def cells(tag: str, row: list[str]) -> str:
        return "".join(
            f'<{tag} class="num">{c}</{tag}>' if i >= numeric_from else f"<{tag}>{c}</{tag}>"
            for i, c in enumerate(row)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><thead><tr>{cells('th', head)}</tr></thead><tbody>{body}</tbody></table>"
