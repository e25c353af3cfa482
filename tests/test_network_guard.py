import socket

import pytest

from conftest import NetworkBlocked


def test_real_network_is_blocked():
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("api.statbank.dk", 443), timeout=1)
