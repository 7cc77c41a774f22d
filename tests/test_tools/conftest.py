import socket

import pytest


@pytest.fixture
def free_port() -> int:
    """A TCP port no one listens on now, for a torchrun rendezvous: a fixed
    port can be taken by another test run or service on the machine."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
