"""The HTML report in a real browser: Debian's chromium, headless, with a fresh profile. Skipped
where the browser is absent; .ci/run installs it where apt-get works."""

import shutil
import subprocess
from pathlib import Path

import pytest

from reports_fixtures import Elements, saved_document
from residency.render.html import render_html

CHROMIUM = shutil.which("chromium") or next((p for p in ("/usr/bin/chromium",) if Path(p).exists()), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium here (Debian: apt-get install chromium); the HTML report is not opened in a browser",
)


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.parametrize("name, findings", [("violations", 6), ("compliant", 0), ("checkov", 9)])
def test_the_browser_renders_the_report_with_every_finding(tmp_path, name, findings):
    page = tmp_path / "report.html"
    page.write_text(render_html(saved_document(name)), encoding="utf-8")
    dom = Elements(chromium(page, tmp_path / "profile", "--dump-dom").stdout)
    assert len(dom.with_class("finding")) == findings
    (count,) = [attrs for tag, attrs in dom.tags if attrs.get("id") == "finding-count"]
    assert count["data-count"] == str(findings)
    assert dom.with_class("verdict")


def test_the_report_prints(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(saved_document("violations")), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    chromium(page, tmp_path / "profile", f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 10_000
