import sys
from pathlib import Path

import pytest
from session_runs import RUNS

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
PROGRAMS = FIXTURES / "programs"
REPO = TESTS.parent


@pytest.fixture(scope="session", autouse=True)
def outside_ci():
    """CI sets CI=true, under which the gate refuses the built-in policy unless asked for it. The
    tests choose their policy themselves, and the tests of that refusal set CI explicitly, so the
    suite gives the same answers on a laptop and in CI."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CI", raising=False)
        yield


@pytest.fixture(scope="session", autouse=True)
def shared_runs(tmp_path_factory):
    """Where the runs the tests share are kept (session_runs.py)."""
    RUNS.start(tmp_path_factory)


@pytest.fixture
def may_fork(monkeypatch):
    """This process may fork, as `residency check` on a plan may: the test worker may have loaded
    gRPC's core for other tests (forking.available refuses to fork then)."""
    from residency import forking

    monkeypatch.delitem(sys.modules, forking.GRPC_CORE, raising=False)


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


def fixture_inventory(case: Path, stack: str = "test"):
    """A fixture program's (or the repository's) inventory, run once per session whichever worker
    asks: each run starts the program's processes, and these programs do not change while the tests
    run."""
    from residency.sources.pulumi_program import run_program

    # the inventory names the program by the path it was given: a relative path is another run
    return RUNS.get(f"pulumi program {case} from {Path.cwd()} stack {stack}", lambda: run_program(case, stack))
