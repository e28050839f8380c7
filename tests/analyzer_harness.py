"""Drive the policy pack the way the Pulumi engine does: start it with `python -u -m pulumi.policy
<engine address> <pack dir>`, read its port, and call it over gRPC with pulumi's own stubs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2

from residency.inventory import Inventory, Resource
from residency.inventory.values import to_pulumi

PACK_DIR = Path(__file__).resolve().parents[1] / "policies" / "oci-residency"
LEVELS = {analyzer_pb2.ADVISORY: "advisory", analyzer_pb2.MANDATORY: "mandatory", analyzer_pb2.DISABLED: "disabled"}


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    urn: str
    level: str
    message: str


class Analyzer:
    def __init__(self, stub: analyzer_pb2_grpc.AnalyzerStub):
        self.stub = stub

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def plugin_info(self) -> plugin_pb2.PluginInfo:
        return self.stub.GetPluginInfo(empty_pb2.Empty())

    def configure(self, config: dict[str, tuple[str, dict]]) -> None:
        """config: policy name -> (enforcement level, properties)."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, properties) in config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = {v: k for k, v in LEVELS.items()}[level]
            entry.properties.update(properties)
        self.stub.Configure(request)

    def configure_stack(self, project: str, stack: str) -> None:
        self.stub.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(project=project, stack=stack, dry_run=True))

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> list[Diagnostic]:
        return _diagnostics(self.stub.Analyze(request))

    def analyze_stack(self, resources: list[analyzer_pb2.AnalyzerResource]) -> list[Diagnostic]:
        return _diagnostics(self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources)))

    def preview(self, inventory: Inventory, default_provider: dict) -> list[Diagnostic]:
        """What a `pulumi preview` would ask of the pack for this inventory: Analyze for every
        custom resource, then AnalyzeStack with all of them."""
        requests = EngineView(inventory, default_provider)
        diagnostics = []
        for resource in inventory.resources:
            if resource.custom and not resource.is_provider:
                diagnostics.extend(self.analyze(requests.analyze_request(resource)))
        diagnostics.extend(self.analyze_stack(requests.stack_resources()))
        return diagnostics


def _diagnostics(response: analyzer_pb2.AnalyzeResponse) -> list[Diagnostic]:
    return [Diagnostic(d.policyName, d.urn, LEVELS[d.enforcementLevel], d.message) for d in response.diagnostics]


@contextmanager
def running_pack(pack_dir: Path = PACK_DIR) -> Iterator[Analyzer]:
    process = PACKS.start(["127.0.0.1:0", str(pack_dir)], pack_dir)
    try:
        port = process.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"the pack did not start: {port!r} {process.stderr.read() if process.poll() is not None else ''}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield Analyzer(analyzer_pb2_grpc.AnalyzerStub(channel))
        channel.close()
    finally:
        process.kill()
        process.wait()


class _ForkedPack:
    """A pack forked by the zygote, seen as subprocess.Popen shows a process: its output, whether it
    has ended, kill and wait."""

    def __init__(self, pid: int, stdout: int, stderr: int):
        self.pid = pid
        self.stdout = open(stdout, encoding="utf-8")  # noqa: SIM115 (closed by wait)
        self.stderr = open(stderr, encoding="utf-8")  # noqa: SIM115

    def poll(self) -> int | None:
        """None while it runs (the zygote reaps it when it ends)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return -1
        return None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> None:
        while self.poll() is None:
            time.sleep(0.01)
        self.stdout.close()
        self.stderr.close()


class _Packs:
    """`python -u -m pulumi.policy ARGUMENTS` in a directory, each forked from one process that has
    imported what the pack imports (pack_zygote.py): those imports are most of a pack's start, and
    the tests start dozens of packs. A test that changes the environment gets a process of its own."""

    def __init__(self):
        self._channel: socket.socket | None = None
        self._environment: dict[str, str] = {}

    def start(self, arguments: list[str], cwd: Path) -> subprocess.Popen | _ForkedPack:
        environment = {key: value for key, value in os.environ.items() if key != "PYTEST_CURRENT_TEST"}
        if self._channel is None:
            self._start_zygote(environment)
        if environment != self._environment:
            return subprocess.Popen([sys.executable, "-u", "-m", "pulumi.policy", *arguments], cwd=cwd,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        request = {"arguments": arguments, "cwd": str(cwd), "environment": dict(os.environ)}
        socket.send_fds(self._channel, [json.dumps(request).encode()], [stdout_write, stderr_write])
        os.close(stdout_write)
        os.close(stderr_write)
        answer = self._channel.recv(1 << 16)
        assert answer, "the pack zygote ended"
        return _ForkedPack(json.loads(answer)["pid"], stdout_read, stderr_read)

    def _start_zygote(self, environment: dict[str, str]) -> None:
        """The zygote ends when this process does: its end of the channel closes."""
        self._channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        subprocess.Popen([sys.executable, str(ZYGOTE), str(theirs.fileno())], pass_fds=[theirs.fileno()],
                         stdin=subprocess.DEVNULL, cwd=PACK_DIR)
        theirs.close()
        self._environment = environment


ZYGOTE = Path(__file__).with_name("pack_zygote.py")
PACKS = _Packs()


def _struct(properties) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(to_pulumi(dict(properties)))
    return struct


class EngineView:
    """The requests the engine would build for an inventory from the offline source: the default
    provider and the root stack, which the engine creates itself, are added."""

    def __init__(self, inventory: Inventory, default_provider: dict):
        """`default_provider`: the inputs the engine gives the default provider from the stack config
        (`region` from oci:region, `auth` from oci:auth)."""
        self.inventory = inventory
        source = inventory.source
        self.stack_urn = source.stack_urn
        self.default_provider = Resource(
            urn=f"urn:pulumi:{source.stack}::{source.project}::pulumi:providers:oci::default_5_5_0",
            name="default_5_5_0", token="pulumi:providers:oci", terraform_type=None, custom=True,
            properties=default_provider, naming="pulumi",
        )

    def provider_of(self, resource: Resource) -> Resource | None:
        if not resource.custom or resource.is_provider:
            return None
        return self.inventory.get(resource.provider) if resource.provider else self.default_provider

    def _provider_message(self, resource: Resource) -> analyzer_pb2.AnalyzerProviderResource | None:
        provider = self.provider_of(resource)
        if provider is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider.token, properties=_struct(provider.properties), urn=provider.urn, name=provider.name
        )

    def _options(self, resource: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent or self.stack_urn or "")

    def analyze_request(self, resource: Resource) -> analyzer_pb2.AnalyzeRequest:
        return analyzer_pb2.AnalyzeRequest(
            type=resource.token, properties=_struct(resource.properties), urn=resource.urn, name=resource.name,
            options=self._options(resource), provider=self._provider_message(resource),
        )

    def stack_resources(self) -> list[analyzer_pb2.AnalyzerResource]:
        stack = analyzer_pb2.AnalyzerResource(type="pulumi:pulumi:Stack", urn=self.stack_urn, name=self.stack_urn.rsplit("::", 1)[-1])
        messages = [stack, self._stack_resource(self.default_provider)]
        messages.extend(self._stack_resource(r) for r in self.inventory.resources)
        return messages

    def _stack_resource(self, resource: Resource) -> analyzer_pb2.AnalyzerResource:
        message = analyzer_pb2.AnalyzerResource(
            type=resource.token, properties=_struct(resource.properties), urn=resource.urn, name=resource.name,
            options=self._options(resource), provider=self._provider_message(resource),
            parent=resource.parent or self.stack_urn, dependencies=list(resource.dependencies),
        )
        for key, urns in resource.property_dependencies.items():
            message.propertyDependencies[key].urns.extend(urns)
        return message
