"""The offline source: run a Pulumi Python program under Pulumi's mocks, in preview mode,
with no CLI, no credentials and no state backend, and take the inventory it registers.

The program runs in-process, in a context of its own: Pulumi's settings, config and root
stack are context variables, so one run leaves nothing behind for the next. The monitor
answers every registration at once, as a preview would (IDs unknown, inputs echoed as
outputs), and records what the engine would have received.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import gc
import logging
import os
import runpy
import sys
import sysconfig
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import config as pulumi_config
from pulumi.runtime.mocks import MockEngine, MockMonitor
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import ROOT, Settings, configure
from pulumi.runtime.stack import run_in_stack

from residency.errors import InputError, ProgramError
from residency.inventory import Inventory, SourceInfo, SourceLocation
from residency.inventory.values import from_pulumi
from residency.oci.regions import Region, lookup_region
from residency.sources.offline_invokes import ANSWERS
from residency.sources.pulumi_graph import OCI_PROVIDER, PulumiRecord, build_inventory, provider_urn
from residency.sources.pulumi_project import PulumiProject, StackConfig, load_project, load_stack_config

STACK_TYPE = "pulumi:pulumi:Stack"


def run_program(directory: Path, stack: str, *, on_resource: Callable[[int], None] | None = None) -> Inventory:
    """Run the program in `directory` for `stack` and return its inventory."""
    project = load_project(directory)
    config = load_stack_config(project, stack)
    monitor = RecordingMonitor(project, config, on_resource)
    _execute(project, config, monitor)
    config_name = config.file.name if config.file else f"the stack config (there is no Pulumi.{stack}.yaml)"
    notes = [] if config.file else [f"there is no Pulumi.{stack}.yaml: the stack has no config"]
    source = SourceInfo(
        kind="pulumi-program",
        path=str(directory),
        project=project.name,
        stack=stack,
        stack_urn=monitor.stack_urn,
        notes=tuple(notes),
    )
    return build_inventory(
        monitor.records, default_region=config.get("oci:region"), config_name=config_name, source=source,
        default_auth=config.get("oci:auth"), config_origins=config.origins,
    )


class RecordingMonitor(MockMonitor):
    """A resource monitor that answers like a preview and records every registration."""

    def __init__(self, project: PulumiProject, config: StackConfig, on_resource: Callable[[int], None] | None):
        super().__init__(mocks=None)
        self._project = project
        self._stack = config.stack
        self._config = config
        self._on_resource = on_resource
        self._lock = threading.Lock()
        self.records: list[PulumiRecord] = []
        self.stack_urn: str | None = None
        self.unanswered_invokes: set[str] = set()
        self._provider_regions: dict[str, Any] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the root stack out of a child's qualified type.
        if parent and not parent.endswith(f"::{STACK_TYPE}::{parent.rsplit('::', 1)[-1]}"):
            type_ = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{self._stack}::{self._project.name}::{type_}::{name}"

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        self._record(request, urn, request.custom)
        if not request.custom:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        return resource_pb2.RegisterResourceResponse(urn=urn, id="", object=request.object)

    def ReadResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        self._record(request, urn, True)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=request.properties)

    def _record(self, request, urn: str, custom: bool) -> None:
        # A registration carries its inputs in `object`, a read (Resource.get, StackReference) in `properties`.
        struct = request.properties if isinstance(request, resource_pb2.ReadResourceRequest) else request.object
        inputs = _decode(struct)
        record = PulumiRecord(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=custom,
            inputs=inputs,
            parent=request.parent or None,
            provider=request.provider or None,
            providers=dict(getattr(request, "providers", {})),
            dependencies=tuple(getattr(request, "dependencies", ())),
            property_dependencies={
                key: tuple(deps.urns) for key, deps in getattr(request, "propertyDependencies", {}).items()
            },
            location=self._location(request),
        )
        with self._lock:
            self.records.append(record)
            if request.type == OCI_PROVIDER:
                self._provider_regions[urn] = inputs.get("region")
            count = len(self.records)
        if self._on_resource is not None:
            self._on_resource(count)

    def _location(self, request) -> SourceLocation | None:
        positions = []
        if request.HasField("sourcePosition"):
            positions.append(request.sourcePosition)
        if request.HasField("stackTrace"):
            positions.extend(frame.pc for frame in request.stackTrace.frames if frame.HasField("pc"))
        for position in positions:
            path = Path(unquote(urlparse(position.uri).path))
            with contextlib.suppress(ValueError):
                return SourceLocation(str(path.relative_to(self._project.directory.resolve())), position.line or None)
        return None

    def Invoke(self, request):
        answer = ANSWERS.get(request.tok)
        if answer is None:
            self.unanswered_invokes.add(request.tok)
            result: dict[str, Any] = {}
        else:
            result = answer(json_format.MessageToDict(request.args), self._invoke_region(request.provider))
        struct = struct_pb2.Struct()
        struct.update(result)
        return resource_pb2.ResourceInvokeResponse(**{"return": struct})

    def _invoke_region(self, reference: str) -> Region | None:
        urn = provider_urn(reference)
        value = self._provider_regions.get(urn) if urn else self._config.get("oci:region")
        return lookup_region(value) if isinstance(value, str) else None


def _decode(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    if struct is None:
        return {}
    return _integral(from_pulumi(json_format.MessageToDict(struct)))


def _integral(value: Any) -> Any:
    """Struct numbers are doubles; give back the integers the program wrote."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs the SDK's monitor calls at once, on the event loop's thread.

    The SDK hands every RPC to a thread pool; the recording monitor answers from memory, so the
    threads only add hand-offs and lock contention that grow with the program."""

    def submit(self, fn, /, *args, **kwargs):
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - delivered to the awaiting SDK code
            future.set_exception(error)
        return future


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _execute(project: PulumiProject, config: StackConfig, monitor: RecordingMonitor) -> None:
    logger = logging.getLogger(f"residency.program.{id(monitor)}")
    logger.propagate = False
    errors = _ErrorLog()
    logger.addHandler(errors)
    settings_values, secret_keys = config.as_runtime_config()

    def run() -> None:
        configure(
            Settings(
                project=project.name,
                stack=config.stack,
                monitor=monitor,
                engine=MockEngine(logger),
                dry_run=True,
                root_directory=str(project.directory),
                organization="organization",
            )
        )
        ROOT.set(None)
        pulumi_config.set_all_config(settings_values, secret_keys)
        loop = asyncio.new_event_loop()
        loop.set_default_executor(_InlineExecutor())
        # A failing program leaves outputs and registrations pending; asyncio would print each of
        # them as a traceback. The failure is reported once, as a ProgramError.
        loop.set_exception_handler(lambda _loop, _context: None)
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(run_in_stack(lambda: runpy.run_path(str(project.main), run_name="__main__")))
        finally:
            _cancel_pending(loop)
            loop.close()
            asyncio.set_event_loop(None)

    with _program_environment(project), _collector_paused():
        try:
            contextvars.copy_context().run(run)
        except (KeyboardInterrupt, InputError):
            raise
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                raise ProgramError(f"the program exited with status {exit_.code}", file=str(project.program_file)) from None
        except BaseException as error:  # noqa: BLE001 - whatever the program raised becomes a clear error
            failure = _program_error(project, monitor, error)
            del error
            _discard_abandoned_coroutines()
            raise failure from None
    if errors.messages:
        raise ProgramError(
            "the program logged errors, which fail a Pulumi run", file=str(project.program_file), details=errors.messages
        )


@contextlib.contextmanager
def _program_environment(project: PulumiProject) -> Iterator[None]:
    """The working directory, import path and output a Pulumi program expects; restored after.
    The program's prints go to stderr so they never mix with a report on stdout."""
    saved_cwd, saved_path, saved_modules = os.getcwd(), list(sys.path), set(sys.modules)
    program_dir = project.main if project.main.is_dir() else project.main.parent
    os.chdir(project.directory)
    sys.path.insert(0, str(program_dir.resolve()))
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        root = project.directory.resolve()
        # A project's own virtualenv (Pulumi.yaml's `virtualenv: .venv`) lies under its directory too;
        # its packages (pulumi_oci registers itself once per process) stay imported.
        installed = [Path(sysconfig.get_path(kind)).resolve() for kind in ("purelib", "platlib")]
        for name in set(sys.modules) - saved_modules:
            file = getattr(sys.modules[name], "__file__", None)
            path = Path(file).resolve() if file else None
            if path and path.is_relative_to(root) and not any(path.is_relative_to(i) for i in installed):
                del sys.modules[name]


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def _discard_abandoned_coroutines() -> None:
    """Collect what a failed program left behind now, quietly, rather than have Python warn about
    never-awaited coroutines when the process ends."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The SDK keeps every future and output alive until the program ends; with the cyclic
    collector running, each collection walks all of them again and the run grows quadratic
    (benchmarks/offline_source.py). Nothing becomes garbage before the end, so pause it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _program_error(project: PulumiProject, monitor: RecordingMonitor, error: BaseException) -> ProgramError:
    root = project.directory.resolve()
    frames: list[str] = []
    cause: BaseException | None = error
    seen = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        for frame in traceback.extract_tb(cause.__traceback__):
            path = Path(frame.filename).resolve()
            if path.is_relative_to(root):
                frames.append(f"{path.relative_to(root)}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}")
        if frames:
            break
        cause = cause.__cause__ or cause.__context__
    details = frames[-8:]
    if monitor.unanswered_invokes:
        details.append(
            "offline, these data sources returned nothing: " + ", ".join(sorted(monitor.unanswered_invokes))
        )
    message = f"the program raised {type(error).__name__}: {error}".rstrip(": ")
    return ProgramError(message, file=str(project.program_file), details=details)
