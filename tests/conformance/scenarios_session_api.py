# Quarry - SQLAlchemy for C++20. MIT License.
# Scenarios of the session's query and inspection API (SQLAlchemy side;
# scenarios_session_api.cpp is the Quarry side): raw SQL through the session's
# transaction, session.new / dirty / deleted, before_flush listeners that read
# and change them, and the legacy Query against 2.0-style results.
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from harness import scenario
from models import Address, User, seed_users


def session(t):
    return Session(t.engine, future=True)


def describe(objects):
    """Sorted "table:key" (or "table:name" for a pending user) of session.new / dirty / deleted."""
    out = []
    for o in objects:
        key = o.name if isinstance(o, User) and o.id is None else o.id
        out.append("%s:%s" % (o.__tablename__, key))
    return sorted(out)


@scenario("session_execute_text")
def session_execute_text(t):
    seed_users(t)
    s = session(t)
    t.step("count after autoflush")
    s.add(User(name="dave"))
    t.out(s.execute(text("SELECT count(*) FROM cf_user")).scalar())
    t.step("update in the session's transaction")
    s.execute(text("UPDATE cf_user SET fullname = :fullname WHERE name = :name"), {"fullname": "Carol C.", "name": "carol"})
    t.out(s.execute(text("SELECT fullname FROM cf_user WHERE name = :name"), {"name": "carol"}).scalar())
    t.step("rollback undoes both")
    s.rollback()
    t.out(s.execute(text("SELECT count(*) FROM cf_user")).scalar())


@scenario("session_scalar_text")
def session_scalar_text(t):
    seed_users(t)
    s = session(t)
    t.step("scalar")
    t.out(s.scalar(text("SELECT name FROM cf_user WHERE id = :id"), {"id": 2}))
    t.step("scalar after autoflush")
    s.get(User, 2).fullname = "Robert"
    t.out(s.scalar(text("SELECT fullname FROM cf_user WHERE id = 2")))
    t.step("commit")
    s.commit()


@scenario("session_scalars_text")
def session_scalars_text(t):
    seed_users(t)
    s = session(t)
    t.step("scalars after autoflush")
    s.add(User(name="aaron"))
    t.out(s.scalars(text("SELECT name FROM cf_user ORDER BY name")).all())
    t.step("commit")
    s.commit()


@scenario("session_state_collections")
def session_state_collections(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice, carol = s.get(User, 1), s.get(User, 3)
    t.step("change")
    s.add(User(name="dave"))
    alice.fullname = "Alice L."
    s.delete(carol)
    t.out([describe(s.new), describe(s.dirty), describe(s.deleted)])
    t.step("flush")
    s.flush()
    t.out([describe(s.new), describe(s.dirty), describe(s.deleted)])
    s.commit()


@scenario("before_flush_inspects_session")
def before_flush_inspects_session(t):
    seed_users(t)
    s = session(t)
    seen = []

    @event.listens_for(s, "before_flush")
    def before_flush(session, flush_context, instances):
        seen.append([describe(session.new), describe(session.dirty), describe(session.deleted)])

    t.step("load")
    alice = s.get(User, 1)
    bob_address = s.get(Address, 3)
    t.step("flush changes of three kinds")
    s.add(User(name="dave"))
    alice.fullname = "Alice L."
    s.delete(bob_address)
    s.flush()
    t.out(seen)
    t.step("commit")
    s.commit()
    t.out(len(seen))


@scenario("before_flush_changes_new_objects")
def before_flush_changes_new_objects(t):
    seed_users(t)
    s = session(t)

    @event.listens_for(s, "before_flush")
    def before_flush(session, flush_context, instances):
        # Fills in a missing full name of every new user, in the same flush.
        for o in session.new:
            if isinstance(o, User) and o.fullname is None:
                o.fullname = o.name.capitalize()

    t.step("add")
    s.add_all([User(name="dave"), User(name="erin", fullname="Erin E.")])
    s.commit()


@scenario("legacy_query_join_unique")
def legacy_query_join_unique(t):
    seed_users(t)
    s = session(t)
    t.step("legacy Query: one object per row's entity")
    t.out([u.name for u in s.query(User).join(User.addresses).order_by(User.id).all()])
    t.step("2.0 select: a row per joined row")
    t.out([u.name for u in s.execute(select(User).join(User.addresses).order_by(User.id)).scalars().all()])
    t.step("2.0 select with unique()")
    t.out([u.name for u in s.execute(select(User).join(User.addresses).order_by(User.id)).scalars().unique().all()])


@scenario("query_count_and_exists")
def query_count_and_exists(t):
    seed_users(t)
    s = session(t)
    t.step("legacy Query count with a filter")
    t.out(s.query(User).filter(User.name.like("%o%")).count())
    t.step("count through session.scalar")
    t.out(s.scalar(select(func.count()).select_from(User)))
    t.step("scalars of a column")
    t.out(s.scalars(select(User.name).order_by(User.name.desc())).all())
    t.step("legacy Query exists")
    t.out(s.query(s.query(User).filter(User.name == "bob").exists()).scalar())
    t.out(s.query(s.query(User).filter(User.name == "nobody").exists()).scalar())
    t.step("count after an autoflush")
    s.add(User(name="dave"))
    t.out(s.query(User).count())
