"""JUnit XML for CI test views: a suite per rule, a test case per rule and resource.

Linear in findings: cases are appended and each suite counted once (junitparser's
`add_testcase` recounts the whole suite on every call). Text from the program under review may
hold characters XML 1.0 cannot carry; they are written as `\\xNN`."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from residency.render.document import ResourceGroup, group_findings, is_waived

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def render_junit(document: Mapping[str, Any]) -> str:
    report = JUnitXml("residency")
    groups = {group.rule["id"]: group for group in group_findings(document)}
    listed = {rule["id"] for rule in document["rules"]}
    rules = list(document["rules"]) + [g.rule for g in groups.values() if g.rule["id"] not in listed]
    for rule in rules:
        suite = TestSuite(xml_text(rule["id"] if rule["name"] == rule["id"] else f"{rule['id']} {rule['name']}"))
        suite.add_property("title", xml_text(rule["title"]))
        suite.add_property("severity", rule["severity"])
        suite.add_property("level", rule["level"])
        suite.add_property("policy", document["policy"]["source"])
        suite.add_property("policy-sha256", document["policy"].get("sha256") or "")
        group = groups.get(rule["id"])
        if rule["level"] == "disabled" and group is None:
            case = TestCase("every resource", classname=xml_text(rule["id"]))
            case.result = [Skipped("disabled by the policy")]
            suite.append(case)
        elif group is None:
            case = TestCase("every resource", classname=xml_text(rule["id"]))
            case.system_out = f"no findings in {document['summary']['resources']} resources checked"
            suite.append(case)
        else:
            for compartment in group.compartments:
                for entry in compartment.resources:
                    suite.append(_case(rule, entry))
        suite.update_statistics()
        report.add_testsuite(suite)
    report.update_statistics()
    buffer = io.BytesIO()
    report.write(buffer, pretty=True)
    return buffer.getvalue().decode("utf-8")


def _case(rule: Mapping[str, Any], entry: ResourceGroup) -> TestCase:
    """One resource under one rule: a failure when any of its findings fails the gate, skipped
    when all are waived, passed (with the findings as output) when they are only reported."""
    case = TestCase(xml_text(entry.resource["urn"]), classname=xml_text(rule["id"]))
    failing = [f for f in entry.findings if f["failing"]]
    if failing:
        failure = Failure(xml_text(failing[0]["message"]), f"{failing[0]['level']} {failing[0]['severity']}")
        failure.text = xml_text(
            "\n\n".join(_describe(f) for f in failing) + f"\n\nHow to fix: {rule['remediation']}\n"
        )
        case.result = [failure]
    elif all(is_waived(f) for f in entry.findings):
        case.result = [Skipped(xml_text("waived: " + "; ".join(f["waiver"]["reason"] for f in entry.findings)))]
    else:
        case.system_out = xml_text("\n\n".join(_describe(f) for f in entry.findings if not is_waived(f)))
    return case


def _describe(finding: Mapping[str, Any]) -> str:
    lines = [f"[{finding['level']}, {finding['severity']}] {finding['message']}"]
    if not finding["proven"]:
        lines.append("could not be proven before apply")
    if finding["path"]:
        lines.append(f"property: {finding['path']}")
    if finding["location"]:
        where = finding["location"]["file"]
        lines.append(
            f"at: {where}:{finding['location']['line']}" if finding["location"].get("line") else f"at: {where}"
        )
    lines.extend(f"  {e['subject']} {e['relation']} {e['value']}" for e in finding["evidence"])
    return "\n".join(lines)
