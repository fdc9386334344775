"""axe-core in a Playwright page: inject the vendored engine, run it, answer its violations.

The engine is `tests/support/vendor/axe.min.js` (axe-core 4.10.3, MPL-2.0, see vendor/README.md),
checked against its recorded sha256 so a changed file is noticed, and evaluated through the
DevTools protocol, which the pages' strict Content-Security-Policy (no script at all) does not
govern: the page under test is served exactly as a reader gets it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE = VENDOR / "axe.min.js"
AXE_VERSION = "4.10.3"
AXE_SHA256 = "880970c081707360e64f34cea25ff91892f5bc95675b0776925b9709dd8a68bb"
SERIOUS = ("serious", "critical")
# WCAG 2.0/2.1 A and AA, and axe's best practices (landmarks, one h1, headings in order).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def source() -> str:
    data = AXE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_SHA256, f"{AXE} is not axe-core {AXE_VERSION} as vendored (sha256 {digest})"
    return data.decode("utf-8")


def violations(page: Any, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Every rule the page as loaded breaks: id, impact, help and the offending nodes' targets."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source())
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))
            }));
        }""",
        tags or TAGS,
    )
    return found


def serious(page: Any) -> list[dict[str, Any]]:
    """The violations a reader is stopped by: axe's `serious` and `critical` ones."""
    return [v for v in violations(page) if v["impact"] in SERIOUS]


def report(found: list[dict[str, Any]]) -> str:
    """Violations as lines a failing assertion can print."""
    lines = []
    for v in found:
        lines.append(f"{v['impact']}: {v['id']} ({v['help']})")
        lines += [f"    {n['target']}: {n['summary']}" for n in v["nodes"][:5]]
    return "\n".join(lines)
