"""axe-core's accessibility check, run inside the page the browser shows (vendored in
vendor/axe.min.js: no download at run time). Selenium injects it through the driver, which
the page's Content-Security-Policy does not govern."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SERIOUS = {"serious", "critical"}
RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
   .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(" "))}))))
   .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


def serious_violations(driver: Any) -> list[dict[str, Any]]:
    """The page's serious and critical WCAG violations, as axe-core reports them."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(30)
    return [v for v in driver.execute_async_script(RUN) if v.get("impact") in SERIOUS]
