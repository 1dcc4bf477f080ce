# Quarry - SQLAlchemy for C++20. MIT License.
# Scenarios of relationships (SQLAlchemy side; scenarios_relationships.cpp is the
# Quarry side): every cascade, moving a child between parents, many-to-many and
# association objects, a self-referential tree, relationship changes inside
# savepoints that roll back; and loading: each strategy as a relationship's
# default and as a loader option, with the statements each sends, deferred
# columns, and queries across relationships.
from sqlalchemy import select, text
from sqlalchemy.orm import (
    Session,
    contains_eager,
    defer,
    joinedload,
    lazyload,
    load_only,
    noload,
    raiseload,
    selectinload,
    subqueryload,
    undefer,
    with_parent,
)

from harness import scenario
from models import Address, Document, Item, ItemKeyword, Keyword, Node, Order, User, seed_orders, seed_tree, seed_users


def session(t):
    return Session(t.engine, future=True)


@scenario("cascade_save_update_add")
def cascade_save_update_add(t):
    s = session(t)
    t.step("add a graph")
    dave = User(name="dave", addresses=[Address(email="dave1@example.com"), Address(email="dave2@example.com")])
    s.add(dave)
    t.out(len(s.new))
    t.out([a.user is dave for a in dave.addresses])
    s.commit()


@scenario("cascade_save_update_append")
def cascade_save_update_append(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.out(len(alice.addresses))
    t.step("append")
    fresh = Address(email="alice3@example.com")
    alice.addresses.append(fresh)
    t.out(fresh in s)
    t.out(fresh.user is alice)
    t.step("flush")
    s.flush()
    t.out(fresh.user_id)
    s.commit()


@scenario("cascade_delete")
def cascade_delete(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("delete the parent")
    s.delete(alice)
    s.commit()


@scenario("cascade_delete_orphan")
def cascade_delete_orphan(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    first = alice.addresses[0]
    t.step("remove from the collection")
    alice.addresses.remove(first)
    t.out(len(alice.addresses))
    s.flush()
    t.out(first in s)
    s.commit()


@scenario("cascade_nullify_without_delete")
def cascade_nullify_without_delete(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    orders = list(alice.orders)
    t.out([o.description for o in orders])
    t.step("remove an order")
    alice.orders.remove(orders[0])
    s.flush()
    t.out(orders[0].user_id)
    t.step("delete a user with orders")
    s.delete(s.get(User, 2))
    s.commit()


@scenario("cascade_merge")
def cascade_merge(t):
    seed_users(t)
    s = session(t)
    t.step("merge a detached graph")
    detached = User(id=1, name="alice", fullname="Alice Liddell")
    renamed = Address(id=1, user_id=1, email="alice1@new.example.com")
    detached.addresses = [renamed, Address(email="alice3@example.com")]
    merged = s.merge(detached)
    t.out([a.email for a in merged.addresses])
    t.out(merged.addresses[0] is renamed)
    # An UPDATE, an INSERT and an orphan's DELETE of one table: their order is the unit of work's own.
    t.step("commit", unordered=True)
    s.commit()


@scenario("move_child_by_append")
def move_child_by_append(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice, bob = s.get(User, 1), s.get(User, 2)
    t.out([len(alice.addresses), len(bob.addresses)])
    t.step("append to another parent")
    moving = alice.addresses[0]
    bob.addresses.append(moving)
    t.out([len(alice.addresses), len(bob.addresses), moving.user is bob])
    t.step("flush")
    s.flush()
    t.out(moving.user_id)
    t.step("commit")
    s.commit()


@scenario("move_child_by_reference")
def move_child_by_reference(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice, bob = s.get(User, 1), s.get(User, 2)
    t.out([len(alice.addresses), len(bob.addresses)])
    t.step("point the child at another parent")
    moving = alice.addresses[1]
    moving.user = bob
    t.out([len(alice.addresses), len(bob.addresses), moving in bob.addresses])
    t.step("commit")
    s.commit()


@scenario("new_child_points_at_parent")
def new_child_points_at_parent(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    bob = s.get(User, 2)
    t.out(len(bob.addresses))
    t.step("a new child points at a loaded parent")
    fresh = Address(email="bob2@example.com")
    fresh.user = bob
    t.out(fresh in bob.addresses)
    t.step("flush")
    s.flush()
    t.out(fresh in s)
    t.out(fresh.user_id)
    s.commit()


@scenario("many_to_many_add_remove")
def many_to_many_add_remove(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("load")
    first = s.get(Order, 1)
    doohickey = s.get(Item, 3)
    t.out([i.description for i in first.items])
    t.step("add and remove")
    first.items.append(doohickey)
    first.items.remove(first.items[1])
    t.out([i.description for i in first.items])
    s.commit()


@scenario("many_to_many_other_side")
def many_to_many_other_side(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("load")
    widget = s.get(Item, 1)
    t.out([o.description for o in widget.orders])
    t.step("append from the other side")
    second = s.get(Order, 2)
    widget.orders.append(second)
    t.out([i.description for i in second.items])
    s.commit()


@scenario("many_to_many_delete_parent")
def many_to_many_delete_parent(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("load")
    first = s.get(Order, 1)
    t.step("delete")
    s.delete(first)
    s.commit()


@scenario("association_object")
def association_object(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("load")
    gadget = s.get(Item, 2)
    blue = s.get(Keyword, 2)
    t.out([(k.keyword.name, k.weight) for k in gadget.item_keywords])
    t.step("add one, orphan one")
    red = gadget.item_keywords[0]
    gadget.item_keywords.append(ItemKeyword(keyword=blue, weight=7))
    gadget.item_keywords.remove(red)
    s.flush()
    t.out([(k.keyword.name, k.weight) for k in gadget.item_keywords])
    t.step("a new keyword through a new association")
    gadget.item_keywords.append(ItemKeyword(keyword=Keyword(name="green"), weight=1))
    s.commit()


@scenario("self_referential_walk")
def self_referential_walk(t):
    seed_tree(t)
    s = session(t)
    t.step("load the root")
    root = s.get(Node, 1)
    t.step("walk down")
    t.out([c.name for c in root.children])
    t.out([g.name for g in root.children[0].children])
    t.out([g.name for g in root.children[1].children])
    t.step("walk up")
    a1 = root.children[0].children[0]
    t.out([a1.parent.name, a1.parent.parent.name])


@scenario("self_referential_move_subtree")
def self_referential_move_subtree(t):
    seed_tree(t)
    s = session(t)
    t.step("load")
    nodes = s.execute(select(Node).order_by(Node.id)).scalars().all()
    root, a, b, a1 = nodes
    t.out([len(root.children), len(a.children), len(b.children)])
    t.step("move")
    a1.parent = b
    t.out([len(a.children), len(b.children)])
    t.step("commit")
    s.commit()


@scenario("savepoint_collection_append_rolled_back")
def savepoint_collection_append_rolled_back(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.out(len(alice.addresses))
    t.step("append inside a savepoint")
    sp = s.begin_nested()
    temporary = Address(email="temporary@example.com")
    alice.addresses.append(temporary)
    s.flush()
    t.step("roll back")
    sp.rollback()
    t.out(temporary in s)
    t.step("commit")
    s.commit()
    t.step("read again")
    t.out([a.email for a in s.get(User, 1).addresses])


@scenario("savepoint_move_rolled_back")
def savepoint_move_rolled_back(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice, bob = s.get(User, 1), s.get(User, 2)
    t.out([len(alice.addresses), len(bob.addresses)])
    t.step("move inside a savepoint")
    sp = s.begin_nested()
    bob.addresses.append(alice.addresses[0])
    s.flush()
    t.step("roll back")
    sp.rollback()
    t.step("commit")
    s.commit()
    t.step("read again")
    t.out([a.email for a in s.get(User, 1).addresses])
    t.out([a.email for a in s.get(User, 2).addresses])


# --- loading ---------------------------------------------------------------------------

def seed_documents(t):
    t.step("seed documents")
    with session(t) as s:
        s.add_all(
            [
                Document(user_id=1, title="notes", body="a long text"),
                Document(user_id=1, title="letter", body="another long text"),
            ]
        )
        s.commit()


def emails(users):
    return [[a.email for a in u.addresses] for u in users]


@scenario("lazy_collection")
def lazy_collection(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).order_by(User.id)).scalars().all()
    t.step("use each collection")
    t.out(emails(users))
    t.step("use them again")
    t.out(emails(users))


@scenario("lazy_many_to_one_identity_map")
def lazy_many_to_one_identity_map(t):
    seed_users(t)
    s = session(t)
    t.step("query both")
    users = s.execute(select(User)).scalars().all()  # held: SQLAlchemy's identity map is weak
    addresses = s.execute(select(Address).order_by(Address.id)).scalars().all()
    t.step("many-to-one from the identity map")
    t.out([a.user.name for a in addresses])


@scenario("lazy_many_to_one_sql")
def lazy_many_to_one_sql(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    addresses = s.execute(select(Address).order_by(Address.id)).scalars().all()
    t.step("many-to-one, one SELECT per parent")
    t.out([a.user.name for a in addresses])


@scenario("joinedload_collection")
def joinedload_collection(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).options(joinedload(User.addresses)).order_by(User.id)).unique().scalars().all()
    t.out([u.name for u in users])
    t.step("use")
    t.out(emails(users))


@scenario("joinedload_limit")
def joinedload_limit(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = (
        s.execute(select(User).options(joinedload(User.addresses)).order_by(User.id.desc()).limit(2)).unique().scalars().all()
    )
    t.out([u.name for u in users])
    t.step("use")
    t.out(emails(users))


@scenario("selectinload_collection")
def selectinload_collection(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).options(selectinload(User.addresses)).order_by(User.id)).scalars().all()
    t.step("use")
    t.out(emails(users))


@scenario("subqueryload_collection")
def subqueryload_collection(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).where(User.name != "bob").options(subqueryload(User.addresses)).order_by(User.id)).scalars().all()
    t.step("use")
    t.out(emails(users))


@scenario("raiseload_option")
def raiseload_option(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).options(raiseload(User.addresses)).order_by(User.id)).scalars().all()
    t.step("use")
    t.expect_error(lambda: len(users[0].addresses))


@scenario("noload_option")
def noload_option(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).options(noload(User.addresses)).order_by(User.id)).scalars().all()
    t.step("use")
    t.out(emails(users))


@scenario("lazyload_overrides_default")
def lazyload_overrides_default(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("query")
    orders = s.execute(select(Order).options(lazyload(Order.items)).order_by(Order.id)).scalars().all()
    t.step("use")
    t.out([[i.description for i in o.items] for o in orders])


@scenario("default_raise")
def default_raise(t):
    seed_users(t)
    seed_documents(t)
    s = session(t)
    t.step("query")
    document = s.execute(select(Document).order_by(Document.id)).scalars().first()
    t.out(document.title)
    t.step("use")
    t.expect_error(lambda: document.author)


@scenario("default_noload")
def default_noload(t):
    seed_users(t)
    seed_documents(t)
    s = session(t)
    t.step("get")
    alice = s.get(User, 1)
    t.step("use")
    t.out([d.title for d in alice.documents])


@scenario("default_selectin_chain")
def default_selectin_chain(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("query")
    orders = s.execute(select(Order).order_by(Order.id)).scalars().all()
    t.step("use")
    t.out([[i.description for i in o.items] for o in orders])
    t.out([[k.keyword.name for k in i.item_keywords] for i in orders[0].items])


@scenario("default_subquery")
def default_subquery(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("query")
    items = s.execute(select(Item).where(Item.description != "gadget").order_by(Item.id)).scalars().all()
    t.step("use")
    t.out([[[k.keyword.name, k.weight] for k in i.item_keywords] for i in items])


@scenario("default_joined_many_to_one")
def default_joined_many_to_one(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("query")
    rows = s.execute(select(ItemKeyword).order_by(ItemKeyword.item_id, ItemKeyword.keyword_id)).scalars().all()
    t.step("use")
    t.out([k.keyword.name for k in rows])


@scenario("chained_options")
def chained_options(t):
    seed_users(t)
    seed_orders(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).options(selectinload(User.orders).joinedload(Order.items)).order_by(User.id)).scalars().all()
    t.step("use")
    t.out([[[i.description for i in o.items] for o in u.orders] for u in users])


@scenario("selectinload_tree")
def selectinload_tree(t):
    seed_tree(t)
    s = session(t)
    t.step("query")
    root = s.execute(
        select(Node).where(Node.parent_id.is_(None)).options(selectinload(Node.children).selectinload(Node.children))
    ).scalar_one()
    t.step("use")
    t.out([[c.name, [g.name for g in c.children]] for c in root.children])


@scenario("contains_eager_filtered")
def contains_eager_filtered(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = (
        s.execute(
            select(User)
            .join(User.addresses)
            .where(Address.email.like("%1@%"))
            .options(contains_eager(User.addresses))
            .order_by(User.id)
        )
        .unique()
        .scalars()
        .all()
    )
    t.step("use")
    t.out(emails(users))


@scenario("defer_option")
def defer_option(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).options(defer(User.fullname)).order_by(User.id)).scalars().all()
    t.out([u.name for u in users])
    t.step("change a loaded column")
    users[0].name = "alicia"
    s.flush()
    s.commit()


@scenario("load_only_option")
def load_only_option(t):
    seed_users(t)
    s = session(t)
    t.step("query")
    users = s.execute(select(User).options(load_only(User.name)).where(User.id > 1).order_by(User.id)).scalars().all()
    t.out([u.name for u in users])
    t.step("change a loaded column")
    users[0].name = "robert"
    s.commit()


@scenario("undefer_option")
def undefer_option(t):
    seed_users(t)
    seed_documents(t)
    s = session(t)
    t.step("query")
    documents = s.execute(select(Document).options(undefer(Document.body)).order_by(Document.id)).scalars().all()
    t.out([[d.title, d.body] for d in documents])


@scenario("deferred_column_access")
def deferred_column_access(t):
    seed_users(t)
    seed_documents(t)
    s = session(t)
    t.step("query")
    documents = s.execute(select(Document).order_by(Document.id)).scalars().all()
    t.out([d.title for d in documents])
    t.step("read the deferred column")
    t.out([d.body for d in documents])


@scenario("relationship_criteria")
def relationship_criteria(t):
    seed_users(t)
    s = session(t)
    t.step("join")
    t.out([a.email for a in s.execute(select(Address).join(Address.user).where(User.name == "alice").order_by(Address.id)).scalars()])
    t.step("any")
    t.out([u.name for u in s.execute(select(User).where(User.addresses.any(Address.email.like("bob%")))).scalars()])
    t.out([u.name for u in s.execute(select(User).where(~User.addresses.any()).order_by(User.id)).scalars()])
    t.step("has")
    t.out([a.email for a in s.execute(select(Address).where(Address.user.has(User.name == "bob"))).scalars()])
    t.step("with_parent")
    alice = s.get(User, 1)
    t.out([a.email for a in s.execute(select(Address).where(with_parent(alice, User.addresses)).order_by(Address.id)).scalars()])


@scenario("expired_attribute_access")
def expired_attribute_access(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.step("commit")
    s.commit()
    t.step("changed elsewhere")
    with t.engine.begin() as conn:
        conn.execute(text("UPDATE cf_user SET fullname = 'Alice Pleasance' WHERE id = 1"))
    t.step("read an attribute of the expired object")
    t.out(alice.fullname)
    t.step("get")
    t.out(s.get(User, 1).fullname)


# --- collection changes before a flush -------------------------------------------------

@scenario("pending_orphan_expunged")
def pending_orphan_expunged(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    t.out(len(alice.addresses))
    t.step("append a new address, then remove it")
    fresh = Address(email="alice3@example.com")
    alice.addresses.append(fresh)
    t.out(fresh in s)
    alice.addresses.remove(fresh)
    t.out(fresh in s)
    t.out(len(alice.addresses))
    t.step("flush")
    t.expect_error(s.flush)
    t.out(fresh in s)
    t.step("commit")
    s.commit()


@scenario("lazy_load_autoflush_with_dirty")
def lazy_load_autoflush_with_dirty(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice, bob = s.get(User, 1), s.get(User, 2)
    t.step("change a column, then load another object's collection")
    alice.fullname = "changed"
    t.out([a.email for a in bob.addresses])
    t.step("commit")
    s.commit()


@scenario("collection_replace")
def collection_replace(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    alice = s.get(User, 1)
    old = list(alice.addresses)
    t.out([a.email for a in old])
    t.step("replace the collection")
    fresh = Address(email="alice3@example.com")
    alice.addresses = [fresh, old[1]]
    t.out([a.email for a in alice.addresses])
    t.out([fresh in s, fresh.user is alice, old[0].user is None])
    # An INSERT and an orphan's DELETE of one table: their order is the unit of work's own.
    t.step("commit", unordered=True)
    s.commit()
    t.step("read again")
    t.out([a.email for a in s.get(User, 1).addresses])


@scenario("many_to_one_set_none_orphan")
def many_to_one_set_none_orphan(t):
    seed_users(t)
    s = session(t)
    t.step("load")
    bob = s.get(User, 2)
    address = bob.addresses[0]
    t.out(address.email)
    t.step("set the reference to None")
    address.user = None
    t.out(len(bob.addresses))
    t.step("commit")
    s.commit()
    t.out(address in s)
