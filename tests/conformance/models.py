# Quarry - SQLAlchemy for C++20. MIT License.
# The conformance suite's schema for SQLAlchemy: the same tables, columns,
# foreign keys, cascades and loading defaults as models.hpp declares for Quarry.
# Table names start with cf_ so that no dialect needs to quote them.
from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import declarative_base, deferred, relationship

Base = declarative_base()

# Keys and foreign keys are std::int64_t in Quarry: BIGINT on PostgreSQL, and on
# SQLite INTEGER, which an autoincrement key must be spelled to be the rowid.
Key = BigInteger().with_variant(Integer, "sqlite")


# A one-to-many with every cascade (addresses), one with the default cascade
# (orders, whose foreign key is cleared when an order leaves), and one whose
# default loading is noload (documents).
class User(Base):
    __tablename__ = "cf_user"
    id = Column(Key, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)
    fullname = Column(String(100))
    addresses = relationship("Address", back_populates="user", cascade="all, delete-orphan", order_by="Address.id")
    orders = relationship("Order", back_populates="user", order_by="Order.id")
    documents = relationship("Document", back_populates="author", lazy="noload", order_by="Document.id")


class Address(Base):
    __tablename__ = "cf_address"
    id = Column(Key, primary_key=True)
    user_id = Column(Key, ForeignKey("cf_user.id"), nullable=False)
    email = Column(String(100), nullable=False)
    user = relationship("User", back_populates="addresses")


# Many-to-many through a plain association table: Quarry declares it as a model.
order_item = Table(
    "cf_order_item",
    Base.metadata,
    Column("order_id", Key, ForeignKey("cf_order.id"), primary_key=True),
    Column("item_id", Key, ForeignKey("cf_item.id"), primary_key=True),
)


class Order(Base):
    __tablename__ = "cf_order"
    id = Column(Key, primary_key=True)
    user_id = Column(Key, ForeignKey("cf_user.id"))
    description = Column(String(100), nullable=False)
    user = relationship("User", back_populates="orders")
    items = relationship("Item", secondary=order_item, back_populates="orders", lazy="selectin", order_by="Item.id")


class Item(Base):
    __tablename__ = "cf_item"
    id = Column(Key, primary_key=True)
    description = Column(String(100), nullable=False)
    orders = relationship("Order", secondary=order_item, back_populates="items", order_by="Order.id")
    item_keywords = relationship(
        "ItemKeyword", back_populates="item", cascade="all, delete-orphan", lazy="subquery", order_by="ItemKeyword.keyword_id"
    )


class Keyword(Base):
    __tablename__ = "cf_keyword"
    id = Column(Key, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)


# The association-object pattern: an association row with a column of its own.
class ItemKeyword(Base):
    __tablename__ = "cf_item_keyword"
    item_id = Column(Key, ForeignKey("cf_item.id"), primary_key=True)
    keyword_id = Column(Key, ForeignKey("cf_keyword.id"), primary_key=True)
    weight = Column(Integer, nullable=False)
    item = relationship("Item", back_populates="item_keywords")
    keyword = relationship("Keyword", lazy="joined")


# A self-referential tree.
class Node(Base):
    __tablename__ = "cf_node"
    id = Column(Key, primary_key=True)
    parent_id = Column(Key, ForeignKey("cf_node.id"))
    name = Column(String(50), nullable=False)
    children = relationship("Node", back_populates="parent", cascade="all", order_by="Node.id")
    parent = relationship("Node", back_populates="children", remote_side=[id])


# A natural composite primary key.
class Shelf(Base):
    __tablename__ = "cf_shelf"
    room = Column(Integer, primary_key=True, autoincrement=False)
    number = Column(Integer, primary_key=True, autoincrement=False)
    label = Column(String(50), nullable=False)


# A version counter, checked by every UPDATE and DELETE.
class Account(Base):
    __tablename__ = "cf_account"
    id = Column(Key, primary_key=True)
    owner = Column(String(50), nullable=False)
    balance = Column(Integer, nullable=False)
    version = Column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}


# A deferred column, and a many-to-one whose default loading is raise.
class Document(Base):
    __tablename__ = "cf_document"
    id = Column(Key, primary_key=True)
    user_id = Column(Key, ForeignKey("cf_user.id"))
    title = Column(String(100), nullable=False)
    body = deferred(Column(Text))
    author = relationship("User", back_populates="documents", lazy="raise")


# --- the data scenarios start from (models.hpp has the same) ---------------------------

def seed_users(t):
    """alice (id 1; addresses 1, 2), bob (2; address 3), carol (3; no address), committed."""
    from sqlalchemy.orm import Session

    t.step("seed users")
    with Session(t.engine, future=True) as s:
        s.add_all(
            [
                User(
                    name="alice",
                    fullname="Alice Liddell",
                    addresses=[Address(email="alice1@example.com"), Address(email="alice2@example.com")],
                ),
                User(name="bob", fullname="Bob Dobbs", addresses=[Address(email="bob1@example.com")]),
                User(name="carol", fullname=None),
            ]
        )
        s.commit()


def seed_orders(t):
    """Items widget (1), gadget (2), doohickey (3); keywords red (1), blue (2);
    orders first (1: alice; widget, gadget), second (2: alice; doohickey), third (3: bob; widget).
    The tables do not depend on each other in one order, so the step is unordered."""
    from sqlalchemy.orm import Session

    t.step("seed orders", unordered=True)
    with Session(t.engine, future=True) as s:
        widget, gadget, doohickey = Item(description="widget"), Item(description="gadget"), Item(description="doohickey")
        red, blue = Keyword(name="red"), Keyword(name="blue")
        widget.item_keywords = [ItemKeyword(keyword=red, weight=5), ItemKeyword(keyword=blue, weight=2)]
        gadget.item_keywords = [ItemKeyword(keyword=red, weight=1)]
        s.add_all([widget, gadget, doohickey])
        s.add_all(
            [
                Order(user_id=1, description="first", items=[widget, gadget]),
                Order(user_id=1, description="second", items=[doohickey]),
                Order(user_id=2, description="third", items=[widget]),
            ]
        )
        s.commit()


def seed_tree(t):
    """root (1) with children a (2) and b (3); a has a child a1 (4)."""
    from sqlalchemy.orm import Session

    t.step("seed tree")
    with Session(t.engine, future=True) as s:
        # One level per flush, so that the keys are numbered level by level on both
        # sides; foreign keys set as columns, so that no collection is loaded.
        root = Node(name="root")
        s.add(root)
        s.flush()
        a = Node(name="a", parent_id=root.id)
        s.add_all([a, Node(name="b", parent_id=root.id)])
        s.flush()
        s.add(Node(name="a1", parent_id=a.id))
        s.commit()
