"""asyncpg over TLS with a pool of several connections on one event loop: asyncio runs each
connection's OpenSSL object on memory BIOs, the handshakes of all but the first interleave, and so
do the queries. Not the plan: each connection proves it is encrypted, then runs ROUNDS queries
whose text names the connection (its application_name) and whose row count is its own. POOLS
pools one after the other: the second's SSL objects may take the addresses of the first's, freed.
One JSON line per query: {"connection": application_name, "sql": text, "rows": rows returned}."""
import asyncio
import json
import sys

import asyncpg

from tusk_workload import DATABASE, ENCRYPTED, HOST, PORT, USER, require_encrypted, unverified_tls

POOLS = 2
CONNECTIONS = 4
ROUNDS = 8

names = iter(f"tusk_pool_{p}_{k}" for p in range(POOLS) for k in range(CONNECTIONS))


async def connect(*args, **kwargs):
    """Each connection of the pool under a name of its own (sent in its startup message)."""
    return await asyncpg.connect(
        host=HOST, port=PORT, user=USER, database=DATABASE, ssl=unverified_tls(),
        server_settings={"application_name": next(names)})


async def keep(connection):
    """No reset query on release: every statement on the wire is one the workers print."""


async def worker(pool, k):
    async with pool.acquire() as connection:
        name = connection.get_settings().application_name
        encrypted = await connection.fetch(ENCRYPTED)
        require_encrypted(encrypted)
        print(json.dumps({"connection": name, "sql": ENCRYPTED, "rows": len(encrypted)}), flush=True)
        text = f"SELECT n, '{name}' AS connection FROM generate_series(1, $1) AS n"
        for r in range(ROUNDS):
            # rows differ per connection and round; thousands of them span several TLS records
            rows = await connection.fetch(text, 1000 * (k + 1) + r)
            if any(row["connection"] != name for row in rows):
                sys.exit(f"{name}: rows of another connection")
            print(json.dumps({"connection": name, "sql": text, "rows": len(rows)}), flush=True)


async def main():
    for _ in range(POOLS):
        pool = await asyncpg.create_pool(min_size=CONNECTIONS, max_size=CONNECTIONS, connect=connect, reset=keep)
        await asyncio.gather(*(worker(pool, k) for k in range(CONNECTIONS)))
        await pool.close()


asyncio.run(main())
