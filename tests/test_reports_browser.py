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
        check=False,
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


# The verdict's badge, drawn in a colour nothing else on the page has, must be on the first screen
# of a laptop-sized window, above everything a reviewer would otherwise have to scroll past.
MARKER_STYLE = "<style>.verdict { background: rgb(1, 254, 3) !important; }</style></head>"
MARKER = (1, 254, 3)


@pytest.mark.parametrize("name", ["violations", "compliant", "checkov"])
def test_the_verdict_is_visible_on_the_first_screen(tmp_path, name):
    from PIL import Image

    page = tmp_path / "report.html"
    page.write_text(render_html(saved_document(name)).replace("</head>", MARKER_STYLE, 1), encoding="utf-8")
    shot = tmp_path / "first-screen.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,720", "--hide-scrollbars")
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 720)
    pixels = [xy for xy in ((x, y) for y in range(0, 720, 2) for x in range(0, 1280, 2)) if image.getpixel(xy) == MARKER]
    assert len(pixels) > 500, "the verdict is not drawn on the first screen"
    assert max(y for _, y in pixels) < 360, "the verdict is not in the top half of the first screen"
