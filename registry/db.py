"""One Neo4j driver per process, and the small typed gateway the data-access layer runs Cypher through.

The driver is created on first use in each process (gunicorn forks workers; a driver must
not cross a fork), shared by every request of that process, and closed at exit.

How long a caller waits for an absent database is the driver's to decide: the app's driver
gives up within a few seconds (`REQUEST_TIMEOUTS`), so a request answers 503 while a person
still waits for it and a stopped database does not fill every worker thread; the command line
keeps the driver's longer defaults, since an import may ride out a short restart.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, LiteralString, Protocol, TypeVar

from flask import Flask, current_app
from neo4j import Driver, GraphDatabase, ManagedTransaction, RoutingControl

T = TypeVar("T")

# Seconds, for the app's driver (see the module docstring). A refused connection fails at once
# and is retried after 1 s and 2 s: with a retry budget of 2 s a request gives up after ~3.5 s;
# a host that does not answer at all costs `connection_timeout` per attempt on top, within 5 s.
REQUEST_TIMEOUTS: dict[str, float] = {
    "connection_timeout": 1.0,
    "connection_acquisition_timeout": 3.0,
    "max_transaction_retry_time": 2.0,
}


class Reader(Protocol):
    """What a DAO needs to read: a `Graph` (each statement in its own transaction) and a `Reads`
    (all statements in one) both offer it."""

    def read_one(self, query: LiteralString, **params: Any) -> dict[str, Any] | None: ...

    def read_plain_one(self, query: LiteralString, **params: Any) -> dict[str, Any] | None: ...


class Reads:
    """Read statements run inside one transaction (see `Graph.read_tx`): one round of BEGIN/COMMIT
    instead of one per statement, and element ids handed from one statement to the next stay valid.
    Same meaning as the `Graph` methods of the same names."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self.tx = tx

    def _first(self, query: LiteralString, params: dict[str, Any]) -> Any:
        result = self.tx.run(query, params)
        record = next(iter(result), None)
        result.consume()
        return record

    def read_one(self, query: LiteralString, **params: Any) -> dict[str, Any] | None:
        record = self._first(query, params)
        return record.data() if record is not None else None

    def read_plain_one(self, query: LiteralString, **params: Any) -> dict[str, Any] | None:
        record = self._first(query, params)
        return dict(record.items()) if record is not None else None


class Graph:
    """Runs parameterised Cypher against one database. Queries must be `LiteralString`."""

    def __init__(
        self, uri: str, user: str, password: str, database: str, *, timeouts: dict[str, float] | None = None
    ) -> None:
        self.uri = uri
        self.database = database
        self._auth = (user, password)
        # Driver options `connection_timeout`, `connection_acquisition_timeout`,
        # `max_transaction_retry_time`; unset ones keep the driver's (longer) defaults.
        self._timeouts = {"connection_acquisition_timeout": 10.0, **(timeouts or {})}
        self._driver: Driver | None = None
        self._pid = 0
        self._lock = threading.Lock()

    @property
    def driver(self) -> Driver:
        if self._driver is None or self._pid != os.getpid():
            with self._lock:
                if self._driver is None or self._pid != os.getpid():
                    self._driver = GraphDatabase.driver(
                        self.uri,
                        auth=self._auth,
                        max_connection_pool_size=50,
                        # Notifications (unknown property keys on an empty graph and the like) are for
                        # query authors; they would flood the service's log.
                        notifications_min_severity="OFF",
                        **self._timeouts,
                    )
                    self._pid = os.getpid()
                    atexit.register(self._driver.close)
        return self._driver

    def read(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """A read query, routed to readers on a cluster; returns plain dicts."""
        records, _, _ = self.driver.execute_query(
            query, parameters_=params, database_=self.database, routing_=RoutingControl.READ
        )
        return [r.data() for r in records]

    def read_one(self, query: LiteralString, **params: Any) -> dict[str, Any] | None:
        rows = self.read(query, **params)
        return rows[0] if rows else None

    def read_plain_one(self, query: LiteralString, **params: Any) -> dict[str, Any] | None:
        """The first record of a read query, for statements that return only plain values (maps,
        lists, scalars; no nodes or relationships). It skips `Record.data()`, whose deep conversion
        is a mere copy for such values and costs seconds on an answer of a hundred thousand of them
        (the analyses and maps return large areas as one record of lists)."""
        records, _, _ = self.driver.execute_query(
            query, parameters_=params, database_=self.database, routing_=RoutingControl.READ
        )
        return dict(records[0].items()) if records else None

    def read_plain_many(self, statements: list[tuple[LiteralString, dict[str, Any]]]) -> list[dict[str, Any] | None]:
        """`read_plain_one` for each (query, parameters), concurrently, in a transaction each. Neo4j
        Community runs one statement on one core; a large analysis cut into statements that run at
        once uses both of this machine's."""
        if len(statements) == 1:
            query, params = statements[0]
            return [self.read_plain_one(query, **params)]
        with ThreadPoolExecutor(max_workers=len(statements)) as pool:
            return list(pool.map(lambda s: self.read_plain_one(s[0], **s[1]), statements))

    def read_plain_split(self, query: LiteralString, parts: int = 2, **params: Any) -> list[dict[str, Any] | None]:
        """`read_plain_one` once for each of `parts` slices of the actor id space, concurrently
        (`read_plain_many`); the statement selects its slice with `$id_from <= a.id < $id_to`
        (either may be null). Brokers in Stockholm: 740 -> 470 ms for the statement. Actor ids are
        UUIDs, so cutting at hex digits gives even slices."""
        if parts not in (1, 2, 4, 8, 16):
            raise ValueError("parts must be 1, 2, 4, 8 or 16")
        cuts: list[str | None] = [None, *(format(i * 16 // parts, "x") for i in range(1, parts)), None]
        return self.read_plain_many(
            [(query, {**params, "id_from": cuts[i], "id_to": cuts[i + 1]}) for i in range(parts)]
        )

    def write(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """A write query in its own retried transaction."""
        records, _, _ = self.driver.execute_query(
            query, parameters_=params, database_=self.database, routing_=RoutingControl.WRITE
        )
        return [r.data() for r in records]

    def write_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Several statements in one retried write transaction: all or nothing."""
        with self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def read_tx(self, work: Callable[[ManagedTransaction], T]) -> T:
        with self.driver.session(database=self.database, default_access_mode="READ") as session:
            return session.execute_read(work)

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None


def init_app(app: Flask) -> None:
    app.extensions["graph"] = Graph(
        app.config["NEO4J_URI"],
        app.config["NEO4J_USER"],
        app.config["NEO4J_PASSWORD"],
        app.config["NEO4J_DATABASE"],
        timeouts={**REQUEST_TIMEOUTS, **app.config.get("NEO4J_REQUEST_TIMEOUTS", {})},
    )


def get_graph() -> Graph:
    graph: Graph = current_app.extensions["graph"]
    return graph
