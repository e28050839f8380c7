"""Terraform's IP network functions (`cidrsubnet`, `cidrhost`, `cidrnetmask`), computed as
Terraform computes them, with the standard ipaddress module: a subnet carved from a private
range is that private range, never "anything" (0.0.0.0/0)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

CALL = re.compile(r"^(cidrsubnet|cidrhost|cidrnetmask)\s*\((.*)\)$", re.DOTALL)


def split_call(expression: str) -> tuple[str, list[str]] | None:
    """(function, argument texts) when the whole expression is one call of a network function."""
    match = CALL.match(expression.strip())
    if not match:
        return None
    arguments, depth, quote, current = [], 0, None, []
    for char in match.group(2):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return None  # the call closed before the end: `f(a) + g(b)` is not one call
        elif char == "," and depth == 0:
            arguments.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    arguments.append("".join(current).strip())
    return match.group(1), arguments


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    network = ipaddress.ip_network(str(prefix), strict=False)
    newbits, netnum = int(newbits), int(netnum)
    length = network.prefixlen + newbits
    if newbits < 0 or length > network.max_prefixlen or not 0 <= netnum < 2 ** newbits:
        raise ValueError(f"cannot take subnet {netnum} of {newbits} more bits from {network}")
    start = int(network.network_address) + (netnum << (network.max_prefixlen - length))
    return str(ipaddress.ip_network((start, length)))


def _cidrhost(prefix: Any, hostnum: Any) -> str:
    network = ipaddress.ip_network(str(prefix), strict=False)
    hostnum = int(hostnum)
    if not -network.num_addresses <= hostnum < network.num_addresses:
        raise ValueError(f"host {hostnum} is not in {network}")
    return str(network[hostnum])


def _cidrnetmask(prefix: Any) -> str:
    network = ipaddress.ip_network(str(prefix), strict=False)
    if network.version != 4:
        raise ValueError("cidrnetmask takes an IPv4 prefix")
    return str(network.netmask)


FUNCTIONS: dict[str, Callable[..., str]] = {"cidrsubnet": _cidrsubnet, "cidrhost": _cidrhost, "cidrnetmask": _cidrnetmask}


def call(name: str, arguments: list[Any]) -> str:
    """The function's result; ValueError (or TypeError) where Terraform would fail the plan."""
    return FUNCTIONS[name](*arguments)
