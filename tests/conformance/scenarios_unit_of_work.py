# Quarry - SQLAlchemy for C++20. MIT License.
# Scenarios of the session's core (SQLAlchemy side; scenarios_unit_of_work.cpp is
# the Quarry side): identity map, change detection, flush order, failed flushes,
# expire/refresh/merge/expunge, version counters, composite keys, ORM-enabled
# UPDATE and DELETE, savepoints, session and mapper events, and the legacy Query.
from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.orm import Session

from harness import scenario
from models import Account, Address, Node, Shelf, User, seed_tree, seed_users


def session(t, **options):
    return Session(t.engine, future=True, **options)


def user_count(s):
    return s.execute(select(func.count()).select_from(User)).scalar()


@scenario("identity_map_get")
def identity_map_get(t):
    seed_users(t)
    s = session(t)
    t.step("first get")
    alice = s.get(User, 1)
    t.out(alice.name)
    t.step("second get")
    t.out(s.get(User, 1) is alice)
    t.step("missing key")
    t.out(s.get(User, 99) is None)


@scenario("identity_map_query")
def identity_map_query(t):
    seed_users(t)
    s = session(t)
    t.step("get")
    bob = s.get(User, 2)
    t.step("query")
    users = s.execute(select(User).order_by(User.id)).scalars().all()
    t.out([u.name for u in users])
    t.out(users[1] is bob)
    t.step("a query keeps an unflushed change")
    bob.fullname = "changed"
    with s.no_autoflush:
        again = s.execute(select(User).where(User.id == 2)).scalar_one()
    t.out(again is bob)
    t.out(again.fullname)
    t.step("flush")
    s.flush()


@scenario("dirty_changed_columns_only")
def dirty_changed_columns_only(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice, bob = s.get(User, 1), s.get(User, 2)
    t.step("one column of each")
    alice.fullname = "Alice L."
    bob.fullname = "Robert"
    s.flush()
    t.step("two columns of one")
    alice.name = "alicia"
    alice.fullname = "Alicia"
    s.flush()
    t.step("commit")
    s.commit()


@scenario("dirty_same_value")
def dirty_same_value(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("set to the same values")
    alice.name = "alice"
    alice.fullname = "Alice Liddell"
    t.out(s.is_modified(alice))
    t.out(len(s.dirty))
    s.flush()
    t.step("commit")
    s.commit()


@scenario("flush_order_parents_first")
def flush_order_parents_first(t):
    s = session(t)
    t.step("child added, parent reached through it")
    dave = User(name="dave")
    address = Address(email="dave@example.com")
    address.user = dave
    s.add(address)
    t.out(dave in s)
    s.commit()
    t.step("a tree added by its root")
    root, child, grandchild = Node(name="r"), Node(name="c"), Node(name="g")
    child.children.append(grandchild)
    root.children.append(child)
    s.add(root)
    t.out(len(s.new))
    s.commit()


@scenario("flush_order_children_deleted_first")
def flush_order_children_deleted_first(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    bob, bob_address = s.get(User, 2), s.get(Address, 3)
    t.step("delete parent, then child")
    s.delete(bob)
    s.delete(bob_address)
    t.out(len(s.deleted))
    s.commit()


@scenario("self_referential_delete_cascade")
def self_referential_delete_cascade(t):
    seed_tree(t)
    s = session(t)
    t.step("load")
    nodes = s.execute(select(Node).order_by(Node.id)).scalars().all()
    t.out([n.name for n in nodes])
    t.step("delete the root")
    s.delete(nodes[0])
    s.commit()


@scenario("composite_key")
def composite_key(t):
    s = session(t)
    t.step("add")
    s.add_all([Shelf(room=1, number=1, label="top"), Shelf(room=1, number=2, label="bottom"), Shelf(room=2, number=1, label="left")])
    s.commit()
    t.step("get")
    shelf = s.get(Shelf, (1, 2))
    t.out(shelf.label)
    t.step("update")
    shelf.label = "lower"
    s.flush()
    t.step("delete")
    s.delete(s.get(Shelf, (2, 1)))
    s.commit()
    t.step("get again")
    t.out(s.get(Shelf, (1, 2)).label)
    t.out(s.get(Shelf, (2, 1)) is None)


@scenario("version_counter")
def version_counter(t):
    s = session(t)
    t.step("insert")
    account = Account(owner="ann", balance=100)
    s.add(account)
    s.flush()
    t.out(account.version)
    t.step("update")
    account.balance = 150
    s.flush()
    t.out(account.version)
    t.step("update and commit")
    account.balance = 175
    s.commit()
    t.step("get")
    account = s.get(Account, 1)
    t.out([account.balance, account.version])
    t.step("delete")
    s.delete(account)
    s.commit()


@scenario("version_counter_stale")
def version_counter_stale(t):
    # Objects keep their values over the commit, so that the session's UPDATE
    # carries the version it read before the other connection's change.
    s = session(t, expire_on_commit=False)
    t.step("insert")
    account = Account(owner="ann", balance=100)
    s.add(account)
    s.commit()
    t.step("changed elsewhere")
    with t.engine.begin() as conn:
        conn.execute(text("UPDATE cf_account SET balance = 0, version = 2 WHERE id = 1"))
    t.step("stale update")
    account.balance = 175
    t.expect_error(s.flush)
    t.step("the session waits for rollback")
    t.expect_error(lambda: s.get(Account, 1))
    t.step("rollback")
    s.rollback()
    t.step("get")
    again = s.get(Account, 1)
    t.out([again.balance, again.version])


@scenario("integrity_error_recovery")
def integrity_error_recovery(t):
    seed_users(t)
    s = session(t)
    t.step("flush a duplicate name")
    fresh, duplicate = User(name="dave"), User(name="alice")
    s.add_all([fresh, duplicate])
    t.expect_error(s.flush)
    t.step("the session waits for rollback")
    t.expect_error(lambda: s.get(User, 1))
    t.step("rollback")
    s.rollback()
    t.out([fresh in s, duplicate in s])
    t.step("work again")
    s.add(User(name="erin"))
    s.commit()


@scenario("integrity_error_foreign_key")
def integrity_error_foreign_key(t):
    seed_users(t)
    s = session(t)
    t.step("address of a missing user")
    s.add(Address(user_id=99, email="nobody@example.com"))
    t.expect_error(s.commit)
    t.step("rollback")
    s.rollback()
    t.out(user_count(s))


@scenario("expire_on_commit_get")
def expire_on_commit_get(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.out(alice.fullname)
    t.step("commit")
    s.commit()
    t.step("changed elsewhere")
    with t.engine.begin() as conn:
        conn.execute(text("UPDATE cf_user SET fullname = 'Alice Pleasance' WHERE id = 1"))
    t.step("get reads it again")
    again = s.get(User, 1)
    t.out(again is alice)
    t.out(again.fullname)
    t.step("get again")
    t.out(s.get(User, 1).fullname)


@scenario("expire_discards_change")
def expire_discards_change(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("change and expire")
    alice.fullname = "unsaved"
    s.expire(alice)
    t.step("get")
    t.out(s.get(User, 1).fullname)
    t.step("flush")
    s.flush()


@scenario("refresh_discards_change")
def refresh_discards_change(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("change and refresh")
    alice.fullname = "unsaved"
    s.refresh(alice)
    t.out(alice.fullname)
    t.out(s.is_modified(alice))
    t.step("flush")
    s.flush()


@scenario("get_autoflush_dirty_only")
def get_autoflush_dirty_only(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("get another key while an object is dirty")
    alice.fullname = "changed"
    t.out(s.get(User, 2).name)
    t.step("commit")
    s.commit()


@scenario("merge_existing")
def merge_existing(t):
    seed_users(t)
    s = session(t)
    t.step("merge a detached copy")
    merged = s.merge(User(id=2, name="bob", fullname="Robert Dobbs"))
    t.out(merged.fullname)
    t.out(merged in s)
    t.step("merge again")
    again = s.merge(User(id=2, name="bob", fullname="R. Dobbs"))
    t.out(again is merged)
    t.step("commit")
    s.commit()


@scenario("merge_new")
def merge_new(t):
    seed_users(t)
    s = session(t)
    t.step("merge an object without a key")
    merged = s.merge(User(name="dave", fullname=None))
    t.out(len(s.new))
    t.out(merged.name)
    t.step("commit")
    s.commit()


@scenario("expunge_cascade")
def expunge_cascade(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    addresses = list(alice.addresses)
    t.out(len(addresses))
    t.step("expunge")
    s.expunge(alice)
    t.out([alice in s, addresses[0] in s, addresses[1] in s])
    t.step("changes to expunged objects are not written")
    alice.fullname = "gone"
    addresses[0].email = "gone@example.com"
    s.commit()


@scenario("orm_update_evaluate")
def orm_update_evaluate(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    users = s.execute(select(User).order_by(User.id)).scalars().all()
    t.step("update, evaluate")
    result = s.execute(
        update(User)
        .where(User.name.in_(["bob", "carol"]))
        .values(fullname="Someone")
        .execution_options(synchronize_session="evaluate")
    )
    t.out(result.rowcount)
    t.out([u.fullname for u in users])
    t.out(s.is_modified(users[1]))
    t.step("commit")
    s.commit()


@scenario("orm_update_fetch")
def orm_update_fetch(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    users = s.execute(select(User).order_by(User.id)).scalars().all()
    t.step("update, fetch")
    result = s.execute(
        update(User).where(User.id >= 2).values(fullname="Later").execution_options(synchronize_session="fetch")
    )
    t.out(result.rowcount)
    t.out([u.fullname for u in users])
    t.step("commit")
    s.commit()


@scenario("orm_update_no_sync")
def orm_update_no_sync(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("update, no synchronization")
    s.execute(update(User).where(User.id == 1).values(fullname="Changed").execution_options(synchronize_session=False))
    t.out(alice.fullname)
    t.step("refresh")
    s.refresh(alice)
    t.out(alice.fullname)
    t.step("commit")
    s.commit()


@scenario("orm_delete_evaluate")
def orm_delete_evaluate(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    users = s.execute(select(User).order_by(User.id)).scalars().all()
    carol = users[2]
    t.step("delete, evaluate")
    result = s.execute(delete(User).where(User.name == "carol").execution_options(synchronize_session="evaluate"))
    t.out(result.rowcount)
    t.out([u in s for u in users])
    t.step("rollback brings it back")
    s.rollback()
    t.out(carol in s)
    t.step("delete again and commit")
    s.execute(delete(User).where(User.name == "carol").execution_options(synchronize_session="evaluate"))
    s.commit()


@scenario("orm_delete_fetch")
def orm_delete_fetch(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    addresses = s.execute(select(Address).order_by(Address.id)).scalars().all()
    t.step("delete, fetch")
    result = s.execute(delete(Address).where(Address.user_id == 1).execution_options(synchronize_session="fetch"))
    t.out(result.rowcount)
    t.out([a in s for a in addresses])
    t.step("commit")
    s.commit()


@scenario("autoflush_before_query")
def autoflush_before_query(t):
    seed_users(t)
    s = session(t)
    t.step("add, then query")
    s.add(User(name="dave"))
    t.out(user_count(s))
    t.out(s.execute(select(User).where(User.name == "dave")).scalar_one().name)


@scenario("no_autoflush")
def no_autoflush(t):
    seed_users(t)
    s = session(t)
    t.step("query inside no_autoflush")
    with s.no_autoflush:
        s.add(User(name="dave"))
        t.out(user_count(s))
    t.step("query after")
    t.out(user_count(s))


# SQLAlchemy sends SAVEPOINT when the savepoint is first used, Quarry at
# begin_nested(): each step that begins one also flushes, so that both sides
# send the same statements in the same step.
@scenario("savepoint_rollback_inner")
def savepoint_rollback_inner(t):
    s = session(t)
    t.step("outer")
    a = User(name="a")
    s.add(a)
    t.step("savepoint 1")
    sp1 = s.begin_nested()
    b = User(name="b")
    s.add(b)
    s.flush()
    t.step("savepoint 2")
    sp2 = s.begin_nested()
    c = User(name="c")
    s.add(c)
    s.flush()
    t.step("roll back savepoint 2")
    sp2.rollback()
    t.out([a in s, b in s, c in s])
    t.step("release savepoint 1")
    d = User(name="d")
    s.add(d)
    sp1.commit()
    t.step("commit")
    s.commit()


@scenario("savepoint_rollback_outer")
def savepoint_rollback_outer(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("savepoint 1")
    sp1 = s.begin_nested()
    alice.fullname = "inside"
    b = User(name="b")
    s.add(b)
    s.flush()
    t.step("savepoint 2")
    sp2 = s.begin_nested()
    c = User(name="c")
    s.add(c)
    s.flush()
    t.step("release savepoint 2")
    sp2.commit()
    t.step("roll back savepoint 1")
    sp1.rollback()
    t.out([b in s, c in s])
    t.step("get")
    t.out(s.get(User, 1).fullname)
    t.step("commit")
    s.commit()


@scenario("savepoint_delete_rolled_back")
def savepoint_delete_rolled_back(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    carol = s.get(User, 3)
    t.step("delete inside a savepoint")
    sp = s.begin_nested()
    s.delete(carol)
    s.flush()
    t.out(carol in s)
    t.step("roll back")
    sp.rollback()
    t.out(carol in s)
    t.step("commit")
    s.commit()


def _record_session_events(s, seen):
    for name in ("before_flush", "after_flush", "before_commit", "after_commit", "after_rollback"):
        event.listen(s, name, lambda *args, name=name: seen.append(name))


@scenario("session_events_clean_flush")
def session_events_clean_flush(t):
    seed_users(t)
    s = session(t)
    seen = []
    _record_session_events(s, seen)
    t.step("query on a clean session")
    s.execute(select(User)).scalars().all()
    t.out(seen)
    seen.clear()
    t.step("commit without changes")
    s.commit()
    t.out(seen)
    seen.clear()
    t.step("commit with a change")
    s.get(User, 1).fullname = "changed"
    s.commit()
    t.out(seen)
    seen.clear()
    t.step("rollback")
    s.get(User, 2)
    s.rollback()
    t.out(seen)


@scenario("mapper_events")
def mapper_events(t):
    seen = []

    def before_insert(mapper, connection, target):
        target.fullname = "set by before_insert"
        seen.append("before_insert " + target.name)

    def after_insert(mapper, connection, target):
        seen.append("after_insert %s %d" % (target.name, target.id))

    def before_update(mapper, connection, target):
        seen.append("before_update " + target.name)

    def after_update(mapper, connection, target):
        seen.append("after_update " + target.name)

    def before_delete(mapper, connection, target):
        seen.append("before_delete " + target.name)

    def after_delete(mapper, connection, target):
        seen.append("after_delete " + target.name)

    listeners = [
        ("before_insert", before_insert),
        ("after_insert", after_insert),
        ("before_update", before_update),
        ("after_update", after_update),
        ("before_delete", before_delete),
        ("after_delete", after_delete),
    ]
    for name, fn in listeners:
        event.listen(User, name, fn)
    try:
        s = session(t)
        t.step("insert")
        s.add_all([User(name="dave"), User(name="erin")])
        s.commit()
        t.out(seen)
        seen.clear()
        t.step("update")
        s.get(User, 1).name = "david"
        s.commit()
        t.out(seen)
        seen.clear()
        t.step("delete")
        s.delete(s.get(User, 2))
        s.commit()
        t.out(seen)
    finally:
        for name, fn in listeners:
            event.remove(User, name, fn)


@scenario("legacy_query_basics")
def legacy_query_basics(t):
    seed_users(t)
    s = session(t)
    t.step("filter_by and one")
    t.out(s.query(User).filter_by(name="bob").one().fullname)
    t.step("filter, order_by, all")
    t.out([u.name for u in s.query(User).filter(User.name.like("%a%")).order_by(User.name).all()])
    t.step("count")
    t.out(s.query(User).count())
    t.step("first")
    t.out(s.query(User).order_by(User.name.desc()).first().name)
    t.step("one with no row")
    t.expect_error(lambda: s.query(User).filter(User.name == "nobody").one())
    t.step("one_or_none with several")
    t.expect_error(lambda: s.query(User).one_or_none())
    t.step("aggregate")
    t.out(s.query(func.count(Address.id)).filter(Address.user_id == 1).scalar())


# --- identity and state transitions -------------------------------------------------

@scenario("get_of_deleted_object")
def get_of_deleted_object(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    carol = s.get(User, 3)
    t.step("delete, then get")
    s.delete(carol)
    again = s.get(User, 3)
    t.out(again is carol)
    t.out(again is None)
    t.out(len(s.deleted))
    t.step("commit")
    s.commit()
    t.step("get after commit")
    t.out(s.get(User, 3) is None)


@scenario("readd_after_expunge")
def readd_after_expunge(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    carol = s.get(User, 3)
    t.step("expunge")
    s.expunge(carol)
    t.out(carol in s)
    t.step("add again")
    s.add(carol)
    t.out(carol in s)
    t.out([len(s.new), len(s.dirty)])
    t.step("change and commit")
    carol.fullname = "Carol C."
    t.expect_error(s.commit)
    s.rollback()  # nothing to roll back after a commit; a failed one leaves the session usable
    t.step("get")
    again = s.get(User, 3)
    t.out(again is carol)
    t.out(again.fullname)


@scenario("expunge_then_query")
def expunge_then_query(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    bob = s.get(User, 2)
    t.step("expunge")
    s.expunge(bob)
    bob.fullname = "not written"
    t.step("query the same row")
    again = s.execute(select(User).where(User.id == 2)).scalar_one()
    t.out(again is bob)
    t.out(again.fullname)
    t.out([again in s, bob in s])
    t.step("get")
    t.out(s.get(User, 2) is again)
    t.step("commit")
    s.commit()


@scenario("delete_then_add_back")
def delete_then_add_back(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    carol = s.get(User, 3)
    t.step("delete, then add back")
    s.delete(carol)
    t.out(len(s.deleted))
    s.add(carol)
    t.out(len(s.deleted))
    t.out(carol in s)
    t.step("commit")
    t.expect_error(s.commit)
    s.rollback()  # nothing to roll back after a commit; a failed one leaves the session usable
    t.step("get")
    t.out(s.get(User, 3) is not None)


@scenario("rollback_restores_deleted")
def rollback_restores_deleted(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    carol = s.get(User, 3)
    t.step("delete and flush")
    s.delete(carol)
    s.flush()
    t.out(carol in s)
    t.out(s.get(User, 3) is None)
    t.step("rollback")
    s.rollback()
    t.out(carol in s)
    t.step("get")
    again = s.get(User, 3)
    t.out(again is carol)
    t.out(again.name)
    t.step("commit")
    s.commit()


@scenario("commit_then_get_no_sql")
def commit_then_get_no_sql(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice, bob = s.get(User, 1), s.get(User, 2)
    t.step("commit")
    s.commit()
    t.step("first get")
    again = s.get(User, 1)
    t.out(again is alice)
    t.out(again.fullname)
    t.step("second get")
    t.out(s.get(User, 1) is alice)
    t.step("query a refreshed object")
    t.out(s.execute(select(User).where(User.id == 1)).scalar_one() is alice)
    t.step("get another expired object")
    t.out(s.get(User, 2) is bob)


# The savepoints begin in the step that flushes inside them: SQLAlchemy sends
# SAVEPOINT when a savepoint is first used, Quarry at begin_nested().
@scenario("nested_savepoint_release_then_outer_rollback")
def nested_savepoint_release_then_outer_rollback(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("two savepoints, a change and an insert inside the inner one")
    outer = s.begin_nested()
    inner = s.begin_nested()
    alice.fullname = "inner"
    dave = User(name="dave")
    s.add(dave)
    s.flush()
    t.step("release the inner savepoint")
    inner.commit()
    t.out(dave in s)
    t.step("roll back the outer savepoint")
    outer.rollback()
    t.out(dave in s)
    t.step("get")
    t.out(s.get(User, 1).fullname)
    t.out(s.execute(select(User.name).order_by(User.id)).scalars().all())
    t.step("commit")
    s.commit()
