"""Runs one Pulumi Python program in a process of its own, as Pulumi's `pulumi-language-python-exec`
runs it for the language host: config from PULUMI_CONFIG, the runtime connected to a resource monitor
and an engine over gRPC, the program run as `__main__` inside the root stack.

This file is started by path with the project's interpreter, so it imports nothing but the standard
library and the Pulumi SDK. What it writes to the result file only describes how the run ended; the
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
    parser.add_argument("program")
    args = parser.parse_args()
    import pulumi.runtime
    from pulumi.runtime.settings import ROOT

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
    reads = _record_environment_reads(os.path.realpath(args.root))
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
    outcome["environment"] = sorted(reads)
    _write(args.result, outcome)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # pending futures of a failed program would only print warnings


# The stack's config, which the language host sets and the SDK looks up (PULUMI_CONFIG_<KEY> for a key
# the stack does not set): config, read from the stack files, not values from the outside.
CONFIG_VARIABLE = "PULUMI_CONFIG"


def _record_environment_reads(root: str) -> set:
    """The names of the environment variables the program's own code reads (not the SDK's, nor its
    libraries'): the gate runs it again with other values to see what depends on them."""
    reads = set()
    this_file = os.path.realpath(__file__)

    def from_program() -> bool:
        frame = sys._getframe(2)
        for _ in range(6):
            if frame is None:
                return False
            path = frame.f_code.co_filename
            if path == this_file:
                return False
            if path.startswith(root + os.sep) and "site-packages" not in path:
                return True
            frame = frame.f_back
        return False

    class RecordingEnviron(type(os.environ)):
        def __getitem__(self, key):
            if not key.startswith(CONFIG_VARIABLE) and from_program():
                reads.add(key)
            return super().__getitem__(key)

        def __contains__(self, key):
            if not key.startswith(CONFIG_VARIABLE) and from_program():
                reads.add(key)
            return super().__contains__(key)

    environ = os.environ
    # The same variables, read through a mapping that records the names; the process environment is unchanged.
    os.environ = RecordingEnviron(  # noqa: B003
        environ._data, environ.encodekey, environ.decodekey, environ.encodevalue, environ.decodevalue,
    )
    return reads


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
