from pathlib import Path

import pytest

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
PROGRAMS = FIXTURES / "programs"
REPO = TESTS.parent


@pytest.fixture
def write(tmp_path):
    """Write files under a temporary directory: write({"a/b.yaml": "text"}) -> the directory."""

    def _write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return tmp_path

    return _write
