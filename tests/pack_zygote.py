"""Run by the tests' Python: imports what the policy pack imports, then for each request forks a
process that starts the pack as the Pulumi engine does (`python -u -m pulumi.policy <engine address>
<pack dir>`), and answers with its process id.

A request comes over the Unix socket named on the command line, with the pipes the pack's output
goes to. Each pack starts from the state the imports left (no gRPC object has been made, no policy
read: the pack reads its policy file when it starts); what differs from starting Python afresh is
only that these modules are not imported again.
"""

import io
import json
import os
import runpy
import signal
import socket
import sys

import grpc  # noqa: F401
import pulumi.runtime  # noqa: F401
import pulumi_policy  # noqa: F401

import residency.policy
import residency.policypack  # noqa: F401


def run(request: dict, stdout: int, stderr: int) -> None:
    """In the forked process: the pack, which serves until it is killed."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environment"])
    stdin = os.open(os.devnull, os.O_RDONLY)
    for descriptor, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(descriptor, target)
        os.close(descriptor)
    # as `python -u -m` starts: unbuffered output, the working directory first on the path
    sys.stdout = io.TextIOWrapper(open(1, "wb", buffering=0), write_through=True)  # noqa: SIM115
    sys.stderr = io.TextIOWrapper(open(2, "wb", buffering=0), write_through=True)  # noqa: SIM115
    sys.path[0] = os.getcwd()
    sys.argv = ["-m", *request["arguments"]]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)
    sys.exit(0)


def main() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # a pack that ends (or is killed) is reaped
    channel = socket.socket(fileno=int(sys.argv[1]))
    while True:
        message, descriptors, _, _ = socket.recv_fds(channel, 1 << 20, 2)
        if not message:  # the tests' process has ended
            return
        child = os.fork()
        if child == 0:
            channel.close()
            run(json.loads(message), *descriptors)
        for descriptor in descriptors:
            os.close(descriptor)
        channel.sendall(json.dumps({"pid": child}).encode())


if __name__ == "__main__":
    main()
