# Quarry - SQLAlchemy for C++20. MIT License.
# The SQLAlchemy side of the conformance suite: engines per backend, the trace
# a scenario writes (steps, the statements each step emitted, its outputs),
# the dump of every cf_ table afterwards, and the command line compare.py runs:
#   /usr/bin/python3 harness.py --scenario NAME --url URL   (or --list)
# which prints one JSON document, the same shape main.cpp prints for Quarry.
import argparse
import json
import os
import sys
import traceback

from sqlalchemy import create_engine, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import exc as orm_exc

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from models import Base  # noqa: E402

SCENARIOS = {}
SCENARIO_MODULES = ("scenarios_unit_of_work", "scenarios_relationships", "scenarios_session_api")


def scenario(name):
    """Registers a function taking a Trace under `name` (the C++ side uses the same name)."""

    def register(fn):
        if name in SCENARIOS:
            raise ValueError("scenario %r is registered twice" % name)
        SCENARIOS[name] = fn
        return fn

    return register


# SQLAlchemy's exceptions by the short names both sides output; most share
# Quarry's class names, and subclasses are checked before their bases.
_ERRORS = (
    (orm_exc.StaleDataError, "StaleDataError"),
    (orm_exc.ObjectDeletedError, "ObjectDeletedError"),
    (orm_exc.DetachedInstanceError, "DetachedInstanceError"),
    (sa_exc.IntegrityError, "IntegrityError"),
    (sa_exc.DataError, "DataError"),
    (sa_exc.OperationalError, "OperationalError"),
    (sa_exc.ProgrammingError, "ProgrammingError"),
    (sa_exc.DBAPIError, "DBAPIError"),
    (sa_exc.NoResultFound, "NoResultFound"),
    (sa_exc.MultipleResultsFound, "MultipleResultsFound"),
    (sa_exc.PendingRollbackError, "PendingRollbackError"),
    (sa_exc.ResourceClosedError, "ResourceClosedError"),
    (sa_exc.InvalidRequestError, "InvalidRequestError"),
    (sa_exc.ArgumentError, "ArgumentError"),
)


def error_name(e):
    for cls, name in _ERRORS:
        if isinstance(e, cls):
            return name
    raise e


class Trace:
    """What a scenario did: steps with their statements and outputs."""

    def __init__(self, engine):
        self.engine = engine
        self.steps = []
        self.recording = True
        self.step("setup")
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording:
            batch = len(parameters) if executemany else 1
            self.steps[-1]["statements"].append({"sql": statement, "batch": batch})

    def step(self, name, unordered=False):
        """Starts a step; `unordered` compares its statements as a multiset (their order is unspecified)."""
        self.steps.append({"name": name, "unordered": unordered, "statements": [], "out": []})

    def out(self, value):
        self.steps[-1]["out"].append(_json_value(value))

    def expect_error(self, fn):
        """Runs fn and outputs the short name of what it raised, or "no error"."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - error_name() re-raises what it does not know
            self.out(error_name(e))
            return
        self.out("no error")


def _json_value(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, (int, str, float)):
        return value
    raise TypeError("a scenario outputs ints, strings, booleans, null and lists, not %r" % (value,))


def make_engine(url):
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        # pysqlite begins transactions itself, too late for SAVEPOINT: SQLAlchemy's
        # documented workaround lets the engine emit BEGIN. Foreign keys are on,
        # as Quarry turns them on.
        @event.listens_for(engine, "connect")
        def connect(dbapi_connection, connection_record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def begin(conn):
            conn.exec_driver_sql("BEGIN")

    return engine


def _db_value(value):
    if isinstance(value, bool):
        return int(value)
    return value


def dump(engine):
    """Every cf_ table, its columns in declared order, rows sorted."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = [[_db_value(v) for v in row] for row in conn.execute(select(table))]
            rows.sort(key=lambda r: json.dumps(r))
            out[table.name] = rows
    return out


def run(name, url):
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    trace = Trace(engine)
    SCENARIOS[name](trace)
    trace.recording = False
    engine.dispose()  # sessions a scenario left open must not hold locks while the dump reads
    fresh = make_engine(url)
    result = {"steps": trace.steps, "db": dump(fresh)}
    fresh.dispose()
    return result


def load_scenarios():
    for module in SCENARIO_MODULES:
        __import__(module)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario")
    parser.add_argument("--url")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    load_scenarios()
    if args.list:
        print("\n".join(sorted(SCENARIOS)))
        return 0
    if args.scenario not in SCENARIOS:
        print(json.dumps({"error": "no scenario named %r" % args.scenario}))
        return 2
    try:
        result = run(args.scenario, args.url)
    except Exception:  # noqa: BLE001 - reported as the scenario's result
        print(json.dumps({"error": traceback.format_exc()}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    # Scenario modules import this file as `harness`; run as a script it would be
    # `__main__`, a second copy with its own registry, so hand over to that module.
    import harness

    sys.exit(harness.main())
