"""The properties the engine sent the pack, secrets still marked.

The engine sends a policy pack every resource's properties, and its provider's, with secrets marked
(the `4dabf18193072939515e22adb298388d` signature), but pulumi-policy unwraps them before any policy
runs: what its public surface hands a policy (ResourceValidationArgs.props, PolicyResource.props,
PolicyProviderResource.props) holds the bare values, and nothing there tells a secret from any other
value. So the pack reads each Analyze and AnalyzeStack request itself as it arrives, through a gRPC
server interceptor on the server pulumi-policy starts, and decodes the properties as the offline gate
decodes what a program registers: a secret region is unproven and never shown, as in `residency check`.

It reads each resource's dependencies there too. pulumi-policy keeps only those on resources of the
request, but the engine never sends a resource the program only reads (`get`, a StackReference):
a value taken from another stack's output beside a key of the program would look as if it came
from the key alone.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from residency.inventory.values import from_pulumi

ANALYZE_METHODS = ("Analyze", "AnalyzeStack")
# By URN, what the request being answered sent (the policies run in the call that received it).
_SENT: contextvars.ContextVar[dict[str, Sent] | None] = contextvars.ContextVar("residency_sent", default=None)


@dataclass(frozen=True, slots=True)
class Sent:
    """A resource as the engine sent it: its properties, secrets marked; its dependencies, all of them
    (an Analyze request sends none)."""

    properties: dict[str, Any]
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)


def sent_resource(urn: str) -> Sent | None:
    """What the engine sent for `urn` in the request being answered, None outside one."""
    sent = _SENT.get()
    return sent.get(urn) if sent is not None else None


def keep_secret_marks() -> None:
    """Have the analyzer server that pulumi-policy's PolicyPack is about to start read each request
    through the interceptor first. Call it just before constructing the PolicyPack."""
    start = grpc.server

    def server(*args, interceptors=None, **kwargs):
        return start(*args, interceptors=[*(interceptors or ()), _ReadSent()], **kwargs)

    grpc.server = server


class _ReadSent(grpc.ServerInterceptor):
    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None or \
                handler_call_details.method.rsplit("/", 1)[-1] not in ANALYZE_METHODS:
            return handler
        answer = handler.unary_unary

        def read_then_answer(request, context):
            token = _SENT.set(_sent_by_urn(request))
            try:
                return answer(request, context)
            finally:
                _SENT.reset(token)

        return grpc.unary_unary_rpc_method_handler(
            read_then_answer, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _sent_by_urn(request: analyzer_pb2.AnalyzeRequest | analyzer_pb2.AnalyzeStackRequest) -> dict[str, Sent]:
    stack = isinstance(request, analyzer_pb2.AnalyzeStackRequest)
    sent = {}
    for resource in request.resources if stack else [request]:
        properties = from_pulumi(json_format.MessageToDict(resource.properties))
        sent[resource.urn] = Sent(properties) if not stack else Sent(
            properties, tuple(resource.dependencies),
            {key: tuple(dependencies.urns) for key, dependencies in resource.propertyDependencies.items()},
        )
        if resource.HasField("provider") and resource.provider.urn not in sent:  # sent as a resource too: kept whole
            sent[resource.provider.urn] = Sent(from_pulumi(json_format.MessageToDict(resource.provider.properties)))
    return sent
