"""Run by the Python of .venv-checkov: imports Checkov once, then for each request (a JSON line on
stdin) forks a process that runs Checkov's command line as the `checkov` script does, with the
request's arguments, environment, working directory and output files, and answers with its exit
status (a JSON line on stdout).

Each run starts from the state the import left, never from another run's (the external checks a run
registers, its runners' state): what differs from starting `checkov` afresh is only that the import
is not done again. Checkov reads some of its settings from the environment as it is imported, so a
request may change only the variables the caller says Checkov never reads (checkov_support.py).
"""

import json
import os
import sys
import warnings

from checkov.main import Checkov

# What the residency checks import (policies/checkov/residency_checks.py), which each of a run's runner
# processes would import again: the modules only, which read nothing from the environment on import.
# The checks themselves are made and registered by each run, as it loads the external checks.
import residency.checkov.checks
import residency.rules  # noqa: F401


def run(request: dict) -> None:
    """In the forked process: Checkov's command line, then exit with its status."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environment"])
    for descriptor, path in ((0, os.devnull), (1, request["stdout"]), (2, request["stderr"])):
        file = os.open(path, os.O_RDONLY if descriptor == 0 else os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(file, descriptor)
        os.close(file)
    sys.argv = request["argv"]
    # as the script ends: through the interpreter's own exit (an exception's traceback, status 1). The
    # arguments are given: Checkov's default for them is sys.argv as it was when checkov.main was imported.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SyntaxWarning)
        sys.exit(Checkov(sys.argv[1:]).run())


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        child = os.fork()
        if child == 0:
            run(request)
        _, status = os.waitpid(child, 0)
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
