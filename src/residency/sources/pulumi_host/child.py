"""Runs one Pulumi Python program in a process of its own, as Pulumi's `pulumi-language-python-exec`
runs it for the language host: config from PULUMI_CONFIG, the runtime connected to a resource monitor
and an engine over gRPC, the program run as `__main__` inside the root stack.

This file is started by path with the project's interpreter, so it imports nothing but the standard
library, the Pulumi SDK and child_outside.py beside it. What it writes to the result file only describes how the run ended; the
gate takes the resources from its own monitor, never from here.
"""

import argparse
import asyncio
import gc
import json
import logging
import os
import runpy
import sys
import traceback


def main() -> None:
    parser = argparse.ArgumentParser()
    for option in ("--monitor", "--engine", "--project", "--stack", "--organization", "--root", "--pwd",
                   "--dry_run", "--parallel", "--result"):
        parser.add_argument(option, required=True)
    parser.add_argument("--clock", type=float, required=True, help="the time the program's clock starts at")
    parser.add_argument("--probe", help="a JSON file: run as the probe run, with these files' content changed")
    parser.add_argument("program")
    args = parser.parse_args()
    import pulumi.runtime
    import pulumi.runtime.config
    from child_outside import Recorder
    from pulumi.runtime.settings import ROOT

    # This directory is not the program's: it imports its own modules from the main directory alone.
    if sys.path and os.path.realpath(sys.path[0]) == os.path.dirname(os.path.realpath(__file__)):
        del sys.path[0]

    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    pulumi.runtime.configure(pulumi.runtime.Settings(
        project=args.project, stack=args.stack, monitor=args.monitor, engine=args.engine,
        parallel=int(args.parallel), dry_run=args.dry_run == "true", organization=args.organization,
        root_directory=args.root,
    ))
    ROOT.set(None)
    sys.argv = [args.program]
    os.chdir(args.pwd)
    sys.path.insert(0, args.pwd)
    # The SDK keeps every output alive until the program ends; with the cyclic collector running each
    # collection walks all of them again and the run grows quadratic. Nothing is garbage before the end.
    gc.disable()
    probe_files = None
    if args.probe:
        with open(args.probe, encoding="utf-8") as file:
            probe_files = json.load(file)["files"]
    reads = Recorder(args.root, (__file__, sys.modules["child_outside"].__file__),
                         pulumi.runtime.config.get_config.__code__, args.clock, probe_files)
    reads.install()
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(args.program, run_name="__main__")))
        outcome = {"status": "done"}
    except MemoryError:
        outcome = {"status": "memory"}
    except RuntimeError as error:  # under the memory cap, a thread's stack may be what does not fit
        memory = "can't start new thread" in str(error)
        outcome = {"status": "memory"} if memory else {"status": "failed", "error": _summary(error),
                                                         "frames": _frames(error, args.root)}
    except SystemExit as exit_:
        outcome = {"status": "done"} if exit_.code in (0, None) else {"status": "exit", "code": str(exit_.code)}
    except BaseException as error:  # noqa: BLE001 - whatever the program raised is reported to the gate
        outcome = {"status": "failed", "error": _summary(error), "frames": _frames(error, args.root)}
    outcome["outside"] = reads.as_dict()
    _write(args.result, outcome)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # pending futures of a failed program would only print warnings


def _summary(error: BaseException) -> str:
    text = str(error)
    if len(text) > 2000:
        text = text[:2000] + " ..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _frames(error: BaseException, root: str) -> list:
    """The program's own frames (files under the project), from the error or what caused it."""
    root = os.path.realpath(root)
    seen = set()
    cause = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        frames = []
        for frame in traceback.extract_tb(cause.__traceback__):
            path = os.path.realpath(frame.filename)
            if path.startswith(root + os.sep) and os.path.isfile(path) and "site-packages" not in path:
                relative = os.path.relpath(path, root)
                frames.append(f"{relative}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}")
        if frames:
            return frames[-8:]
        cause = cause.__cause__ or cause.__context__
    return []


def _write(path: str, outcome: dict) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(outcome, file)


if __name__ == "__main__":
    main()
