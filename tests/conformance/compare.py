# Quarry - SQLAlchemy for C++20. MIT License.
# Runs every conformance scenario with SQLAlchemy (harness.py) and with Quarry
# (the quarry_conformance binary), each on a fresh database, and checks that
# they agree on what each step outputs, on the statements each step emits
# (normalized here, the one place that reads both sides' SQL), and on the
# database contents afterwards. Differences listed in differences.py must
# show up exactly as documented. Exits non-zero on any failure.
#
#   /usr/bin/python3 compare.py --backend sqlite --binary build/tests/quarry_conformance [--scenario NAME] [--show]
#   QUARRY_TEST_POSTGRESQL_URL=postgresql://... /usr/bin/python3 compare.py --backend postgresql --binary ...
import argparse
import collections
import glob
import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from differences import DIFFERENCES  # noqa: E402

MINIMUM_SCENARIOS = 40
TIMEOUT_SECONDS = 120

# --- statement normalization ------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<string>'(?:[^']|'')*')
  | (?P<param>\?|\$\d+|%\(\w+\)s|%s|:\w+)
  | (?P<word>[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<op><>|!=|<=|>=|::|\|\||[(),=<>+\-*/%;.])
  | (?P<space>\s+)
    """,
    re.VERBOSE,
)

# Words that are never a table or column name in the statements scenarios emit.
_KEYWORDS = {
    "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE", "BETWEEN", "TRUE", "FALSE", "ESCAPE", "EXISTS",
    "SELECT", "FROM", "WHERE", "JOIN", "LEFT", "RIGHT", "FULL", "OUTER", "INNER", "CROSS", "ON", "AS", "ORDER",
    "GROUP", "BY", "HAVING", "LIMIT", "OFFSET", "RETURNING", "SET", "VALUES", "DEFAULT", "UNION", "ALL",
    "DISTINCT", "CASE", "WHEN", "THEN", "ELSE", "END", "ASC", "DESC", "NULLS", "FIRST", "LAST", "ANY", "CAST",
    "LATERAL", "USING", "WITH", "RECURSIVE",
}


def _tokens(sql):
    """The statement's tokens, identifiers unquoted; strings and parameters as placeholders."""
    unquoted = re.sub(r'"((?:[^"]|"")*)"', lambda m: m.group(1).replace('""', '"'), sql)
    unquoted = unquoted.replace("`", "")
    out = []
    pos = 0
    while pos < len(unquoted):
        m = _TOKEN.match(unquoted, pos)
        if not m:
            out.append(("op", unquoted[pos]))
            pos += 1
            continue
        pos = m.end()
        kind = m.lastgroup
        if kind != "space":
            out.append((kind, m.group(kind)))
    return out


def _is_word(token, *words):
    return token[0] == "word" and token[1].upper() in words


def _unqualified(name):
    return name.rsplit(".", 1)[-1]


def _depths(tokens):
    """The parenthesis depth of each token (a parenthesis itself is at the outer depth)."""
    depth, out = 0, []
    for kind, text in tokens:
        if text == ")":
            depth -= 1
        out.append(depth)
        if text == "(":
            depth += 1
    return out


def _find(tokens, depths, start, *words):
    for i in range(start, len(tokens)):
        if depths[i] == 0 and _is_word(tokens[i], *words):
            return i
    return len(tokens)


def _columns_in(tokens):
    """The column names a WHERE clause compares (identifiers that are neither keywords nor functions)."""
    names = set()
    for i, (kind, text) in enumerate(tokens):
        if kind != "word" or text.upper() in _KEYWORDS:
            continue
        if i + 1 < len(tokens) and tokens[i + 1][1] == "(":
            continue  # a function
        names.add(_unqualified(text).lower())
    return sorted(names)


def normalize_statement(sql, batch):
    """One statement as the list of row-level operations it stands for."""
    tokens = _tokens(sql)
    if not tokens:
        return []
    depths = _depths(tokens)
    first = tokens[0][1].upper()
    if first in ("BEGIN", "COMMIT", "END", "PRAGMA", "SET", "SHOW"):
        return []
    if first == "ROLLBACK":
        return ["ROLLBACK TO SAVEPOINT"] if any(_is_word(t, "TO") for t in tokens) else []
    if first == "SAVEPOINT":
        return ["SAVEPOINT"]
    if first == "RELEASE":
        return ["RELEASE SAVEPOINT"]
    if first == "INSERT":
        into = _find(tokens, depths, 0, "INTO")
        table = _unqualified(tokens[into + 1][1]).lower()
        columns = []
        i = into + 2
        if i < len(tokens) and tokens[i][1] == "(":
            i += 1
            while tokens[i][1] != ")":
                if tokens[i][0] == "word":
                    columns.append(_unqualified(tokens[i][1]).lower())
                i += 1
        values = _find(tokens, depths, i, "VALUES")
        end = _find(tokens, depths, values, "RETURNING", "ON")
        groups = sum(1 for j in range(values, end) if depths[j] == 0 and tokens[j][1] == "(")
        rows = max(groups, 1) * batch
        return ["INSERT %s (%s)" % (table, ", ".join(sorted(columns)))] * rows
    if first == "COPY":
        table = _unqualified(tokens[1][1]).lower()
        columns = [_unqualified(text).lower() for kind, text in tokens[2:] if kind == "word" and text.upper() not in ("FROM", "STDIN")]
        return ["INSERT %s (%s)" % (table, ", ".join(sorted(columns)))] * batch
    if first == "UPDATE":
        table = _unqualified(tokens[1][1]).lower()
        set_at = _find(tokens, depths, 0, "SET")
        where = _find(tokens, depths, set_at, "WHERE")
        set_end = min(where, _find(tokens, depths, set_at, "FROM", "RETURNING"))
        assigned, expect_column = [], True
        for j in range(set_at + 1, set_end):
            if depths[j] == 0 and tokens[j][1] == ",":
                expect_column = True
            elif expect_column and tokens[j][0] == "word":
                assigned.append(_unqualified(tokens[j][1]).lower())
                expect_column = False
        compared = _columns_in(tokens[where + 1 : _find(tokens, depths, where, "RETURNING")])
        return ["UPDATE %s SET (%s) WHERE (%s)" % (table, ", ".join(sorted(assigned)), ", ".join(compared))] * batch
    if first == "DELETE":
        table = _unqualified(tokens[_find(tokens, depths, 0, "FROM") + 1][1]).lower()
        where = _find(tokens, depths, 0, "WHERE")
        compared = _columns_in(tokens[where + 1 : _find(tokens, depths, where, "RETURNING")])
        return ["DELETE %s WHERE (%s)" % (table, ", ".join(compared))] * batch
    if first in ("SELECT", "WITH", "("):
        # Count and kind only: the two build a load's SELECT from different ends
        # (a many-to-many selectin load starts from the parent in SQLAlchemy,
        # from the target in Quarry); rows and database contents are compared anyway.
        return ["SELECT"] * batch
    return ["%s ?" % first] * batch


def normalize_statements(statements):
    out = []
    for statement in statements:
        out.extend(normalize_statement(statement["sql"], statement["batch"]))
    return out


# --- running one side ----------------------------------------------------------------------

def postgresql_url():
    return os.environ.get("QUARRY_TEST_POSTGRESQL_URL", "")


def fresh_database(backend, scenario, side):
    """A URL of an empty database for one run."""
    if backend == "sqlite":
        path = os.path.abspath("conformance_%s_%s.db" % (scenario, side))
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return "sqlite:///" + path
    from sqlalchemy import create_engine, text

    engine = create_engine(postgresql_url(), future=True)
    with engine.begin() as conn:
        names = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'cf\\_%'")
        ).scalars().all()
        for name in names:
            conn.execute(text('DROP TABLE IF EXISTS "%s" CASCADE' % name))
    engine.dispose()
    return postgresql_url()


def remove_databases(backend, scenario):
    """The SQLite files of a scenario that passed; those of a failure stay for a look."""
    if backend != "sqlite":
        return
    for side in ("python", "cpp"):
        path = os.path.abspath("conformance_%s_%s.db" % (scenario, side))
        if os.path.exists(path):
            os.remove(path)


def run_side(command, scenario, url):
    try:
        done = subprocess.run(
            command + ["--scenario", scenario, "--url", url],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return {"error": "timed out after %d s" % TIMEOUT_SECONDS}
    try:
        trace = json.loads(done.stdout)
    except ValueError:
        return {"error": "exit code %d, no JSON on stdout\n%s%s" % (done.returncode, done.stdout[-2000:], done.stderr[-4000:])}
    if done.returncode != 0 and "error" not in trace:
        trace["error"] = "exit code %d\n%s" % (done.returncode, done.stderr[-4000:])
    return trace


class PythonTraceCache:
    """SQLAlchemy's traces, kept between runs of the suite (scripts/test.sh runs it
    once per build configuration) in QUARRY_CONFORMANCE_CACHE, when that is set.
    A trace is found again only for the same harness and scenario sources, the
    same SQLAlchemy and Python, and the same backend; a failed run is not kept."""

    def __init__(self, backend):
        root = os.environ.get("QUARRY_CONFORMANCE_CACHE")
        self.directory = None
        if not root:
            return
        digest = hashlib.sha256()
        for path in sorted(glob.glob(os.path.join(HERE, "*.py"))):
            digest.update(os.path.basename(path).encode())
            with open(path, "rb") as f:
                digest.update(f.read())
        digest.update(sys.version.encode())
        digest.update(importlib.metadata.version("SQLAlchemy").encode())
        digest.update(backend.encode())
        self.directory = os.path.join(root, digest.hexdigest()[:24])
        os.makedirs(self.directory, exist_ok=True)

    def run(self, command, scenario, url):
        if not self.directory:
            return run_side(command, scenario, url)
        path = os.path.join(self.directory, scenario + ".json")
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
        trace = run_side(command, scenario, url)
        if "error" not in trace:
            with open(path + ".tmp", "w") as f:
                json.dump(trace, f)
            os.replace(path + ".tmp", path)
        return trace


def list_scenarios(command):
    done = subprocess.run(command + ["--list"], capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    if done.returncode != 0:
        raise SystemExit("%s --list failed:\n%s" % (" ".join(command), done.stderr))
    return [line for line in done.stdout.split("\n") if line]


# --- comparing -------------------------------------------------------------------------------

def _sorted_rows(rows):
    return sorted(rows, key=lambda r: json.dumps(r))


def difference(python, cpp):
    """What differs between the two traces, keyed by where; empty when they agree."""
    diff = {}
    python_steps, cpp_steps = python["steps"], cpp["steps"]
    python_names = [s["name"] for s in python_steps]
    cpp_names = [s["name"] for s in cpp_steps]
    if python_names != cpp_names:
        diff["step names"] = {"python": python_names, "cpp": cpp_names}
    for p, c in zip(python_steps, cpp_steps):
        if p["name"] != c["name"]:
            continue
        name = p["name"]
        p_sql, c_sql = normalize_statements(p["statements"]), normalize_statements(c["statements"])
        if p.get("unordered") != c.get("unordered"):
            diff["step '%s' unordered" % name] = {"python": p.get("unordered"), "cpp": c.get("unordered")}
        if p.get("unordered"):
            p_sql, c_sql = sorted(p_sql), sorted(c_sql)
        if p_sql != c_sql:
            diff["step '%s' statements" % name] = {"python": p_sql, "cpp": c_sql}
        if p["out"] != c["out"]:
            diff["step '%s' out" % name] = {"python": p["out"], "cpp": c["out"]}
    for table in sorted(set(python["db"]) | set(cpp["db"])):
        p_rows = _sorted_rows(python["db"].get(table, []))
        c_rows = _sorted_rows(cpp["db"].get(table, []))
        if p_rows != c_rows:
            diff["db %s" % table] = {"python": p_rows, "cpp": c_rows}
    return diff


def show_difference(diff):
    lines = []
    for where, sides in diff.items():
        lines.append("    %s:" % where)
        for side in ("python", "cpp"):
            value = sides[side]
            if where.endswith("statements") and value:
                lines.append("      %-6s [" % side)
                lines.extend("               %s" % v for v in value)
                lines.append("             ]")
            else:
                lines.append("      %-6s %s" % (side, json.dumps(value)))
    return "\n".join(lines)


def show_trace(label, trace):
    print("  %s:" % label)
    for step in trace["steps"]:
        print("    step %r%s out=%s" % (step["name"], " (unordered)" if step.get("unordered") else "", json.dumps(step["out"])))
        for statement in normalize_statements(step["statements"]):
            print("      " + statement)
    print("    db: " + json.dumps(trace["db"]))


README_SECTION = "### The ORM, as the conformance suite asserts it"


def readme_disagreements(scenarios):
    """Where the README's list of documented differences and differences.py disagree."""
    path = os.path.join(HERE, "..", "..", "README.md")
    with open(path, encoding="utf-8") as f:
        readme = f.read()
    if README_SECTION not in readme:
        return ["README.md has no section %r listing the documented differences" % README_SECTION]
    section = readme.split(README_SECTION, 1)[1].split("\n#", 1)[0]
    named = set(re.findall(r"`(\w+)`", section)) & set(scenarios)
    problems = ["%s is in differences.py but not in the README's section" % n for n in sorted(set(DIFFERENCES) - named)]
    problems += ["%s is named in the README's section but differences.py has no entry" % n for n in sorted(named - set(DIFFERENCES))]
    return problems


def expected_difference(name, backend):
    entry = DIFFERENCES.get(name)
    if entry is None:
        return {}
    if "by_backend" in entry:
        return entry["by_backend"].get(backend, {})
    return entry["diff"]


def main():
    parser = argparse.ArgumentParser(description="SQLAlchemy vs Quarry conformance")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--binary", required=True, help="the quarry_conformance executable")
    parser.add_argument("--scenario", help="run only this scenario")
    parser.add_argument("--show", action="store_true", help="print both normalized traces of each scenario")
    args = parser.parse_args()

    if args.backend == "postgresql":
        reachable, why = postgresql_reachable()
        if not reachable:
            if os.environ.get("CI") == "true":
                print("FAIL: PostgreSQL is unreachable in CI: %s" % why)
                return 1
            print("SKIP: PostgreSQL is unreachable (%s); set QUARRY_TEST_POSTGRESQL_URL" % why)
            return 77

    python_command = [sys.executable, os.path.join(HERE, "harness.py")]
    cpp_command = [os.path.abspath(args.binary)]
    python_names = list_scenarios(python_command)
    cpp_names = list_scenarios(cpp_command)
    failures = []
    for name in sorted(set(python_names) ^ set(cpp_names)):
        side = "C++" if name in python_names else "Python"
        print("FAIL %s: no %s side" % (name, side))
        failures.append(name)
    for name in sorted(set(DIFFERENCES) - set(python_names)):
        print("FAIL %s: differences.py documents a scenario that does not exist" % name)
        failures.append(name)
    for problem in readme_disagreements(python_names):
        print("FAIL README: %s" % problem)
        failures.append("README")
    names = sorted(set(python_names) & set(cpp_names))
    if args.scenario:
        if args.scenario not in names:
            print("FAIL: no scenario %r on both sides" % args.scenario)
            return 1
        names = [args.scenario]

    counts = collections.Counter()
    python_traces = PythonTraceCache(args.backend)
    for name in names:
        python = python_traces.run(python_command, name, fresh_database(args.backend, name, "python"))
        cpp = run_side(cpp_command, name, fresh_database(args.backend, name, "cpp"))
        if args.show:
            print("%s:" % name)
            for label, trace in (("python", python), ("cpp", cpp)):
                if "error" not in trace:
                    show_trace(label, trace)
        errors = [(label, trace["error"]) for label, trace in (("python", python), ("cpp", cpp)) if "error" in trace]
        if errors:
            print("FAIL %s: a side did not finish" % name)
            for label, error in errors:
                print("  %s: %s" % (label, error.strip().replace("\n", "\n    ")))
            counts["FAIL"] += 1
            failures.append(name)
            continue
        actual = difference(python, cpp)
        expected = expected_difference(name, args.backend)
        if not actual and not expected:
            print("PASS %s" % name)
            counts["PASS"] += 1
            remove_databases(args.backend, name)
        elif actual == expected:
            print("DOCUMENTED DIFFERENCE %s: %s" % (name, DIFFERENCES[name]["why"]))
            counts["DOCUMENTED DIFFERENCE"] += 1
            remove_databases(args.backend, name)
        elif not actual:
            print("FAIL %s: differences.py documents a difference that no longer shows up; update it" % name)
            print(show_difference(expected))
            counts["FAIL"] += 1
            failures.append(name)
        else:
            print("FAIL %s" % name)
            print(show_difference(actual))
            if expected:
                print("  differences.py documents instead:")
                print(show_difference(expected))
            counts["FAIL"] += 1
            failures.append(name)

    ran = sum(counts.values())
    print(
        "%s: %d scenarios: %d passed, %d documented differences, %d failed"
        % (args.backend, ran, counts["PASS"], counts["DOCUMENTED DIFFERENCE"], counts["FAIL"])
    )
    if not args.scenario and ran < MINIMUM_SCENARIOS:
        print("FAIL: only %d scenarios ran; the suite needs at least %d" % (ran, MINIMUM_SCENARIOS))
        return 1
    return 1 if failures else 0


def postgresql_reachable():
    url = postgresql_url()
    if not url:
        return False, "QUARRY_TEST_POSTGRESQL_URL is not set"
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url, future=True, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as e:  # noqa: BLE001 - any failure to connect is "unreachable"
        return False, str(e).split("\n")[0]
    return True, ""


if __name__ == "__main__":
    sys.exit(main())
