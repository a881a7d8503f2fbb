"""Sends one kind of adversarial bytes to a PostgreSQL port over a raw TCP socket, reads what the
server answers until it closes (or 3 s pass), and prints one JSON line: the case, the bytes sent,
the client's port, and the first answer byte ("E" for an ErrorResponse, null when the server just
hung up). It connects only after reading a line on standard input, so a test can start the agent
for its pid first.

usage: garbage.py CASE HOST PORT"""
import json
import random
import socket
import struct
import sys
import time

PROTOCOL_3 = 196608


def startup(user="tusk", database="tusk"):
    body = struct.pack("!I", PROTOCOL_3)
    for key, value in (("user", user), ("database", database)):
        body += key.encode() + b"\0" + value.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def read_until_ready(sock):
    """Reads the server's answers to a StartupMessage up to ReadyForQuery ('Z')."""
    data = b""
    while True:
        while len(data) >= 5:
            kind, length = data[0:1], struct.unpack("!I", data[1:5])[0]
            if len(data) < 1 + length:
                break
            if kind == b"Z":
                return
            if kind == b"E":
                raise RuntimeError(f"startup failed: {data[:200]!r}")
            data = data[1 + length:]
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("server closed during startup")
        data += chunk


# Each case: the bytes written before and (for the "after startup" cases) after a real startup.
CASES = {
    # 4 KiB of noise as the first write: no StartupMessage, no frontend message
    "random": lambda: (random.Random(20261125).randbytes(4096), None),
    # a StartupMessage that announces 84 bytes and stops after 20, then the client hangs up
    "truncated_startup": lambda: (startup()[:20], None),
    # a StartupMessage header with an absurd length (2 GiB - 1) and protocol 3.0
    "absurd_startup_length": lambda: (struct.pack("!II", 0x7FFFFFFF, PROTOCOL_3) + b"user\0tusk\0\0", None),
    # another protocol whose first byte happens to be 'Q'
    "quit": lambda: (b"QUIT\r\n", None),
    # a real startup, then bytes that are no frontend message
    "startup_then_garbage": lambda: (startup(), bytes(range(0, 64)) * 4),
    # a real startup, then one write holding a Query and noise: the request is in flight when the
    # stream stops parsing
    "query_then_garbage": lambda: (startup(), b"Q" + struct.pack("!I", 13) + b"SELECT 1\0" + bytes(range(0, 64))),
    # a real startup, then a Query whose length is absurd (4 GiB - 1) with a little text behind it
    "startup_then_absurd_query_length": lambda: (startup(), b"Q" + struct.pack("!I", 0xFFFFFFFF) + b"SELECT 1\0"),
}

case, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
first, then = CASES[case]()
sys.stdin.readline()
sock = socket.create_connection((host, port))
local_port = sock.getsockname()[1]
sock.sendall(first)
if then is not None:
    read_until_ready(sock)
    sock.sendall(then)
sent = len(first) + len(then or b"")
if case == "truncated_startup":
    sock.shutdown(socket.SHUT_WR)
sock.settimeout(3)
answer = b""
deadline = time.monotonic() + 3
try:
    while time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
except socket.timeout:
    pass
sock.close()
print(json.dumps({"case": case, "sent": sent, "port": local_port, "answer": answer[:1].decode("latin-1") or None}), flush=True)
