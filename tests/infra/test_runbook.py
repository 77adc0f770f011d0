"""The runbook (docs/runbook.md) and its Vietnamese twin (docs/runbook.vi.md) have one section
per CloudWatch alarm of the template, headed by the alarm's logical id in backticks (the
middle of the alarm's name in CloudWatch), each saying what it means, what to look at, what to
do and whom to call; the two files have the same sections in the same order, and no section
names an alarm that no longer exists."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from infra import compose
from infra.compose import PROJECT_DIR

ALARM = "AWS::CloudWatch::Alarm"
RUNBOOK = PROJECT_DIR / "docs" / "runbook.md"
RUNBOOK_VI = PROJECT_DIR / "docs" / "runbook.vi.md"
# A section: a heading whose text starts with a logical id in backticks.
SECTION = re.compile(r"^#{2,4}\s+`([A-Za-z][A-Za-z0-9]*)`.*$", re.MULTILINE)
# Each section says these, as bold labels.
PARTS = {
    "en": ("**Means**", "**Look**", "**Do**", "**Call**"),
    "vi": ("**Ý nghĩa**", "**Xem gì**", "**Làm gì**", "**Gọi ai**"),
}


def alarm_ids(template: Mapping[str, Any]) -> set[str]:
    return {k for k, r in template.get("Resources", {}).items() if r.get("Type") == ALARM}


def sections(text: str) -> dict[str, str]:
    """Logical id → the section's text, up to the next heading of any level."""
    found: dict[str, str] = {}
    headings = list(re.finditer(r"^#{1,6}\s.*$", text, re.MULTILINE))
    for i, heading in enumerate(headings):
        match = SECTION.match(heading.group(0))
        if match:
            end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
            if match.group(1) in found:
                found[match.group(1) + " (again)"] = ""
            found[match.group(1)] = text[heading.end() : end]
    return found


def runbook_problems(alarms: Iterable[str], english: str, vietnamese: str) -> list[str]:
    alarms = set(alarms)
    problems: list[str] = []
    for language, text in (("en", english), ("vi", vietnamese)):
        found = sections(text)
        problems += [f"{language}: no section for {a}" for a in sorted(alarms - set(found))]
        problems += [f"{language}: {s} is not an alarm of the template"
                     for s in sorted(set(found) - alarms)]  # fmt: skip
        for alarm, body in found.items():
            missing = [part for part in PARTS[language] if part not in body]
            if missing and alarm in alarms:
                problems.append(f"{language}: {alarm} does not say {', '.join(missing)}")
    if list(sections(english)) != list(sections(vietnamese)):
        problems.append("the two runbooks' sections differ in order")
    return problems


@pytest.fixture(scope="module")
def texts() -> tuple[str, str]:
    return RUNBOOK.read_text(encoding="utf-8"), RUNBOOK_VI.read_text(encoding="utf-8")


def test_every_alarm_of_the_packaged_template_has_its_section(packaged, texts):
    assert alarm_ids(packaged), "the packaged template has no alarm: the check checks nothing"
    assert runbook_problems(alarm_ids(packaged), *texts) == []


def deployed_stages() -> list[str]:
    config = json.loads(compose.CHALICE_CONFIG_PATH.read_text(encoding="utf-8"))
    return [stage for stage in config["stages"] if stage != "local"]


@pytest.mark.parametrize("stage", deployed_stages())
def test_every_stage_s_alarms_have_their_section(stage, texts):
    """The same without packaging (fast): the alarms come from the merge template."""
    assert runbook_problems(alarm_ids(compose.compose(stage)), *texts) == []


def _without_part(text: str, alarm: str, part: str) -> str:
    body = sections(text)[alarm]
    return text.replace(body, body.replace(part, "**Something else**"), 1)


def test_the_check_reports_what_is_missing(texts):
    english, vietnamese = texts
    alarms = alarm_ids(compose.compose("prod"))
    assert runbook_problems(alarms | {"NewQueueDepthAlarm"}, english, vietnamese) == [
        "en: no section for NewQueueDepthAlarm",
        "vi: no section for NewQueueDepthAlarm",
    ]
    gone = "FileFetchThrottlesAlarm"
    assert runbook_problems(alarms - {gone}, english, vietnamese) == [
        f"en: {gone} is not an alarm of the template",
        f"vi: {gone} is not an alarm of the template",
    ]
    heading = f"### `{gone}`"
    untranslated = vietnamese.replace(heading, "### (chưa dịch)")
    assert f"vi: no section for {gone}" in runbook_problems(alarms, english, untranslated)
    vague = _without_part(english, "NotifierErrorsAlarm", "**Call**")
    assert runbook_problems(alarms, vague, vietnamese) == [
        "en: NotifierErrorsAlarm does not say **Call**"
    ]
