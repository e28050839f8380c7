"""The engine side of a Pulumi run, served to the program's process over gRPC: a resource monitor that
answers like a preview (IDs unknown, inputs echoed as outputs) and records every registration after
the transforms the program registered, and the engine service its runtime logs to.

Transforms run as the engine runs them: the program serves a Callbacks service and hands the
monitor callbacks (`transforms` on a registration, RegisterStackTransform, RegisterStackInvokeTransform);
for each resource the monitor calls its own transforms, then each ancestor's, then the stack's, and
records what the last one returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import (
    callback_pb2,
    callback_pb2_grpc,
    engine_pb2,
    engine_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from residency.inventory import SourceLocation
from residency.inventory.values import UNKNOWN_SENTINEL, from_pulumi
from residency.oci.regions import Region, lookup_region
from residency.sources.pulumi_graph import OCI_PROVIDER, PulumiRecord, provider_urn
from residency.sources.pulumi_host.invokes import InvokeAnswers

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
# In an update-mode run every resource gets a made-up ID, a region-less OCID with this mark, so that
# callbacks waiting for IDs run; values carrying the mark are known only after apply in truth.
UPDATE_ID_MARK = "residencyupdatemode"

# What the monitor supports: what Pulumi's own mock monitor declares, so values arrive encoded the
# same way (no output values), with transforms and invoke transforms.
FEATURES = (
    resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER,
    resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
    resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
    resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_HOOKS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ERROR_HOOKS,
)
LEGACY_FEATURES = {"secrets", "resourceReferences", "aliasSpecs", "deletedWith", "replaceWith", "transforms",
                   "invokeTransforms", "parameterization", "resourceHooks", "errorHooks"}


class RecordingMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    """A resource monitor that answers like a preview and records every registration."""

    def __init__(
        self, *, project: str, stack: str, project_dir: Path, default_region: Any, answers: InvokeAnswers,
        on_resource: Callable[[int], None] | None = None, known_ids: bool = False,
    ):
        """`known_ids`: answer as an update would, with an ID for every resource, instead of a preview."""
        self._project = project
        self._stack = stack
        self._project_dir = project_dir.resolve()
        self._default_region = default_region
        self._answers = answers
        self._on_resource = on_resource
        self._known_ids = known_ids
        self._lock = threading.Lock()
        self._callbacks = _Callbacks()
        self._stack_transforms: list[callback_pb2.Callback] = []
        self._invoke_transforms: list[callback_pb2.Callback] = []
        self._resource_transforms: dict[str, list[callback_pb2.Callback]] = {}
        self._parents: dict[str, str] = {}
        self._provider_regions: dict[str, Any] = {}
        self.records: list[PulumiRecord] = []
        self.stack_urn: str | None = None
        self.unanswered_invokes: set[str] = set()

    def close(self) -> None:
        self._callbacks.close()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the root stack out of a child's qualified type.
        if parent and parent != self.stack_urn and f"::{STACK_TYPE}::" not in parent:
            type_ = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{self._stack}::{self._project}::{type_}::{name}"

    # -- the resource monitor --------------------------------------------------------------

    def GetDeploymentInfo(self, request, context):
        return resource_pb2.DeploymentInfo(supportedFeatures=FEATURES)

    def SupportsFeature(self, request, context):
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in LEGACY_FEATURES)

    def RegisterStackTransform(self, request, context):
        with self._lock:
            self._stack_transforms.append(request)
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request, context):
        with self._lock:
            self._invoke_transforms.append(request)
        return empty_pb2.Empty()

    def RegisterResource(self, request, context):
        if request.type == STACK_TYPE:
            self.stack_urn = self.make_urn("", request.type, request.name)
            return resource_pb2.RegisterResourceResponse(urn=self.stack_urn)
        request = self._transformed(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        with self._lock:
            self._parents[urn] = request.parent
            if request.transforms:
                self._resource_transforms[urn] = list(request.transforms)
        self._record(request, urn, request.custom, request.object)
        if not request.custom:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=self._id(urn), object=request.object)

    def _id(self, urn: str) -> str:
        if not self._known_ids:
            return ""  # unknown, as in a preview
        return f"ocid1.residency.oc1..{UPDATE_ID_MARK}{abs(hash(urn)):x}"

    def ReadResource(self, request, context):
        urn = self.make_urn(request.parent, request.type, request.name)
        self._record(request, urn, True, request.properties, read=True)
        properties = request.properties
        if self._known_ids and request.type == STACK_REFERENCE:
            # Known, as in an update, but empty: another stack's outputs are not part of this program.
            properties = struct_pb2.Struct()
            properties.CopyFrom(request.properties)
            properties.update({"outputs": {}, "secretOutputNames": []})
        # The engine reads the resource in a preview too: its ID is the one the program gave (none,
        # so unknown, where the program passed one known only after apply).
        known = request.id if request.id != UNKNOWN_SENTINEL else ""
        return resource_pb2.ReadResourceResponse(urn=urn, properties=properties, id=known)

    def RegisterResourceOutputs(self, request, context):
        return empty_pb2.Empty()

    def Invoke(self, request, context):
        request = self._invoke_transformed(request)
        args = _decode(request.args)
        answer = self._answers.answer(request.tok, args, self._invoke_region(request.provider))
        if answer is None:
            with self._lock:
                self.unanswered_invokes.add(request.tok)
            # As the engine answers an invoke it cannot run yet: the whole result is unknown.
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        struct = struct_pb2.Struct()
        struct.update(answer)
        return resource_pb2.ResourceInvokeResponse(**{"return": struct})

    def Call(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"offline, the method {request.tok} of a component cannot be called")

    def ExistsResource(self, request, context):
        return resource_pb2.ExistsResourceResponse(exists=False)

    def RegisterPackage(self, request, context):
        return resource_pb2.RegisterPackageResponse(ref=f"{request.name}-{request.version}")

    def RegisterResourceHook(self, request, context):
        return empty_pb2.Empty()

    def RegisterErrorHook(self, request, context):
        return empty_pb2.Empty()

    def SignalAndWaitForShutdown(self, request, context):
        # The program is about to stop its Callbacks service: let go of it first, quietly.
        self._callbacks.close()
        return empty_pb2.Empty()

    # -- transforms ------------------------------------------------------------------------

    def _transformed(self, request: resource_pb2.RegisterResourceRequest) -> resource_pb2.RegisterResourceRequest:
        chain = list(request.transforms)
        with self._lock:
            parent = request.parent
            while parent:
                chain.extend(self._resource_transforms.get(parent, ()))
                parent = self._parents.get(parent, "")
            chain.extend(self._stack_transforms)
        if not chain:
            return request
        result = resource_pb2.RegisterResourceRequest()
        result.CopyFrom(request)
        for callback in chain:
            transform = resource_pb2.TransformRequest(
                type=result.type, name=result.name, custom=result.custom, parent=result.parent,
                properties=result.object, options=_transform_options(result),
            )
            response = resource_pb2.TransformResponse.FromString(self._callbacks.invoke(callback, transform))
            result.object.CopyFrom(response.properties)
            if response.HasField("options"):
                _apply_options(result, response.options)
        return result

    def _invoke_transformed(self, request: resource_pb2.ResourceInvokeRequest) -> resource_pb2.ResourceInvokeRequest:
        with self._lock:
            chain = list(self._invoke_transforms)
        if not chain:
            return request
        result = resource_pb2.ResourceInvokeRequest()
        result.CopyFrom(request)
        for callback in chain:
            transform = resource_pb2.TransformInvokeRequest(
                token=result.tok, args=result.args,
                options=resource_pb2.TransformInvokeOptions(provider=result.provider, version=result.version),
            )
            response = resource_pb2.TransformInvokeResponse.FromString(self._callbacks.invoke(callback, transform))
            result.args.CopyFrom(response.args)
            if response.HasField("options"):
                result.provider = response.options.provider
                result.version = response.options.version
        return result

    # -- records ---------------------------------------------------------------------------

    def _record(self, request, urn: str, custom: bool, struct: struct_pb2.Struct, *, read: bool = False) -> None:
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
            read=read,
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
            try:
                return SourceLocation(str(path.resolve().relative_to(self._project_dir)), position.line or None)
            except ValueError:
                continue
        return None

    def _invoke_region(self, reference: str) -> Region | None:
        urn = provider_urn(reference)
        with self._lock:
            value = self._provider_regions.get(urn) if urn else self._default_region
        return lookup_region(value) if isinstance(value, str) else None


class RecordingEngine(engine_pb2_grpc.EngineServicer):
    """The engine service: the program's log (errors fail a Pulumi run) and its root resource."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._root = ""

    def Log(self, request, context):
        if request.severity == engine_pb2.ERROR:
            self.errors.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request, context):
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request, context):
        return engine_pb2.RequirePulumiVersionResponse()

    def StartDebugging(self, request, context):
        return empty_pb2.Empty()


class _Callbacks:
    """Clients of the program's Callbacks services, one channel per address."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stubs: dict[str, tuple[grpc.Channel, callback_pb2_grpc.CallbacksStub]] = {}

    def invoke(self, callback: callback_pb2.Callback, message) -> bytes:
        with self._lock:
            if callback.target not in self._stubs:
                channel = grpc.insecure_channel(callback.target)
                self._stubs[callback.target] = (channel, callback_pb2_grpc.CallbacksStub(channel))
            stub = self._stubs[callback.target][1]
        request = callback_pb2.CallbackInvokeRequest(token=callback.token, request=message.SerializeToString())
        return stub.Invoke(request).response

    def close(self) -> None:
        with self._lock:
            for channel, _ in self._stubs.values():
                channel.close()
            self._stubs.clear()


def _transform_options(request: resource_pb2.RegisterResourceRequest) -> resource_pb2.TransformResourceOptions:
    options = resource_pb2.TransformResourceOptions(
        depends_on=request.dependencies, protect=request.protect, ignore_changes=request.ignoreChanges,
        replace_on_changes=request.replaceOnChanges, version=request.version, aliases=request.aliases,
        provider=request.provider, plugin_download_url=request.pluginDownloadURL,
        retain_on_delete=request.retainOnDelete, deleted_with=request.deletedWith,
        additional_secret_outputs=request.additionalSecretOutputs, providers=request.providers,
    )
    if request.deleteBeforeReplaceDefined:
        options.delete_before_replace = request.deleteBeforeReplace
    if request.HasField("customTimeouts"):
        timeouts = request.customTimeouts
        options.custom_timeouts.create, options.custom_timeouts.update = timeouts.create, timeouts.update
        options.custom_timeouts.delete = timeouts.delete
    return options


def _apply_options(request: resource_pb2.RegisterResourceRequest, options: resource_pb2.TransformResourceOptions) -> None:
    """What a transform may change about a registration, written back into it."""
    request.provider = options.provider
    request.providers.clear()
    request.providers.update(options.providers)
    del request.dependencies[:]
    request.dependencies.extend(options.depends_on)
    request.protect = options.protect
    request.version = options.version
    request.retainOnDelete = options.retain_on_delete
    request.deletedWith = options.deleted_with
    # A transform returns properties without their dependencies; those of keys it kept still hold.
    for key in [k for k in request.propertyDependencies if k not in request.object.fields]:
        del request.propertyDependencies[key]


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
