"""A PostgreSQL client made of the standard library alone, for Tusk's vectored-I/O hooks: it speaks
the wire protocol itself (https://www.postgresql.org/docs/15/protocol-message-formats.html) and moves
every byte of its connection with sendmsg, writev, recvmsg or readv, never write/send/read/recv.
Each send hands the kernel several buffers that cut messages apart (a header in one buffer, its
body across the next two; a whole extended-protocol round in one call); each read fills several
buffers, the first ones small, so headers and bodies land split across them. Sends alternate
between sendmsg and writev, reads between recvmsg and readv.

Prints one JSON line per statement: what it sent (text, protocol, messages, the send call and its
buffers) and what it got (read calls, command tags, DataRows, SQLSTATE), with the time from the
send to ReadyForQuery, for Tests/ClientTests/VectoredIOTests to hold Tusk's spans against.

usage: workload.py --host 127.0.0.1 --port PORT --user tusk --dbname tusk   (trust authentication)"""
import argparse
import json
import os
import signal
import socket
import struct
import time

PROTOCOL_3 = 196608
# the buffers of one read: small ones first, so a message's header and body straddle them
READ_BUFFERS = (5, 11, 4096)

# step, protocol, text, parameters (text format)
STATEMENTS = [
    ("select_one", "simple", "SELECT 1 AS one", ()),
    ("create", "simple", "CREATE TEMP TABLE vectored_items (id integer PRIMARY KEY, name text NOT NULL)", ()),
    ("insert", "simple", "INSERT INTO vectored_items (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')", ()),
    ("select_param", "extended", "SELECT id, name FROM vectored_items WHERE id <= $1 ORDER BY id", ("2",)),
    ("undefined_table", "simple", "SELECT * FROM vectored_no_such_table", ()),
    ("multi_statement", "simple",
     "UPDATE vectored_items SET name = upper(name) WHERE id = 1; DELETE FROM vectored_items WHERE id = 3", ()),
    ("select_many", "extended", "SELECT n FROM generate_series(1, $1::integer) AS n", ("20000",)),
    ("drop", "simple", "DROP TABLE vectored_items", ()),
]


def message(kind, body=b""):
    """type byte, int32 length (counting itself), body"""
    return kind + struct.pack("!I", 4 + len(body)) + body


def cstring(text):
    return text.encode() + b"\0"


def three_buffers(data, header):
    """`data` as a header of `header` bytes and its body cut in two (a buffer may be empty)."""
    middle = header + (len(data) - header) // 2
    return [data[:header], data[header:middle], data[middle:]]


def simple_query(sql):
    return [message(b"Q", cstring(sql))]


def extended_round(sql, parameters):
    """Parse, Bind, Describe, Execute, Sync on the unnamed statement and portal."""
    bind = cstring("") + cstring("") + struct.pack("!HH", 0, len(parameters))
    for value in parameters:
        bind += struct.pack("!I", len(value.encode())) + value.encode()
    bind += struct.pack("!H", 0)
    return [
        message(b"P", cstring("") + cstring(sql) + struct.pack("!H", 0)),
        message(b"B", bind),
        message(b"D", b"P" + cstring("")),
        message(b"E", cstring("") + struct.pack("!I", 0)),
        message(b"S"),
    ]


class Connection:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.sends = 0
        self.reads = 0
        self.pending = bytearray()
        self.read_calls = set()

    def send(self, buffers):
        """Hands all of `buffers` to the kernel in one call (more if it takes only part); the call's name."""
        self.sends += 1
        call = "sendmsg" if self.sends % 2 else "writev"
        left = [memoryview(buffer) for buffer in buffers]
        while left:
            sent = self.sock.sendmsg(left) if call == "sendmsg" else os.writev(self.sock.fileno(), left)
            while left and sent >= len(left[0]):
                sent -= len(left.pop(0))
            if left:
                left[0] = left[0][sent:]
        return call

    def read(self):
        """One read call into READ_BUFFERS; what it got is appended to `pending`."""
        self.reads += 1
        buffers = [bytearray(size) for size in READ_BUFFERS]
        if self.reads % 2:
            got = self.sock.recvmsg_into(buffers)[0]
            self.read_calls.add("recvmsg")
        else:
            got = os.readv(self.sock.fileno(), buffers)
            self.read_calls.add("readv")
        if got == 0:
            raise ConnectionError("the server closed the connection")
        for buffer in buffers:
            self.pending += buffer[:got]
            got -= min(got, len(buffer))

    def receive(self):
        """The next backend message: (type, body)."""
        while len(self.pending) < 5 or len(self.pending) < 1 + struct.unpack_from("!I", self.pending, 1)[0]:
            self.read()
        end = 1 + struct.unpack_from("!I", self.pending, 1)[0]
        kind, body = bytes(self.pending[:1]), bytes(self.pending[5:end])
        del self.pending[:end]
        return kind, body

    def answer(self):
        """Reads up to ReadyForQuery: the tags, DataRows and error of the request."""
        got = {"tags": [], "rows": 0, "sqlstate": None, "error": None}
        while True:
            kind, body = self.receive()
            if kind == b"D":
                got["rows"] += 1
            elif kind == b"C":
                got["tags"].append(body.rstrip(b"\0").decode())
            elif kind == b"E":
                fields = {field[:1]: field[1:].decode() for field in body.split(b"\0") if field}
                got["sqlstate"], got["error"] = fields.get(b"C"), fields.get(b"M")
            elif kind == b"Z":
                return got

    def start(self, user, database):
        """StartupMessage: its length and protocol version in the first buffer, the parameters across the next two."""
        parameters = b"".join(cstring(text) for text in ("user", user, "database", database,
                                                          "application_name", "tusk-vectored")) + b"\0"
        self.send(three_buffers(struct.pack("!II", 8 + len(parameters), PROTOCOL_3) + parameters, 8))
        got = self.answer()
        if got["sqlstate"]:
            raise SystemExit(f"startup refused: {got['sqlstate']} {got['error']}")


def main():
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--host", required=True)
    arguments.add_argument("--port", type=int, required=True)
    arguments.add_argument("--user", required=True)
    arguments.add_argument("--dbname", required=True)
    options = arguments.parse_args()
    signal.alarm(60)  # a server that stops answering ends the run instead of hanging the test

    connection = Connection(options.host, options.port)
    connection.start(options.user, options.dbname)
    for call, (step, protocol, sql, parameters) in enumerate(STATEMENTS, start=1):
        messages = simple_query(sql) if protocol == "simple" else extended_round(sql, parameters)
        buffers = [piece for each in messages for piece in three_buffers(each, 5)]
        connection.read_calls = set()
        started = time.monotonic_ns()
        send = connection.send(buffers)
        got = connection.answer()
        elapsed = time.monotonic_ns() - started
        line = {"pid": os.getpid(), "call": call, "step": step, "sql": sql, "protocol": protocol,
                "messages": "".join(chr(each[0]) for each in messages), "send": send,
                "buffers": [len(buffer) for buffer in buffers], "recv": sorted(connection.read_calls),
                **got, "ns": elapsed}
        print(json.dumps(line), flush=True)
    connection.send(three_buffers(message(b"X"), 5))  # Terminate
    connection.sock.close()


if __name__ == "__main__":
    main()
