# Quarry - SQLAlchemy for C++20. MIT License.
# The one place the conformance suite's documented differences live: where
# Quarry differs from SQLAlchemy on purpose (README: "What the session holds,
# and why"), or where SQLAlchemy 1.4 itself does more work on one backend.
# Each entry is a scenario name -> "why" and the exact difference compare.py
# must find: "diff" on every backend, or "by_backend" (a backend left out must
# agree). Keys are compare.py's: "step 'NAME' statements" (normalized),
# "step 'NAME' out", "db TABLE"; each maps to {"python": ..., "cpp": ...}.
# A scenario passes only if its difference is exactly this; a difference
# that no longer shows up fails as stale documentation.

_FETCH_WHY = (
    "synchronize_session='fetch' on SQLite: SQLAlchemy 1.4 has no RETURNING for SQLite and SELECTs the "
    "matching keys first; Quarry uses RETURNING (SQLite 3.35+)"
)

_TEXT_WHY = (
    "session.execute(text(...)) (and scalar, scalars) autoflushes in Quarry, so SQL text sees the "
    "session's pending changes as every other statement through the session does; SQLAlchemy "
    "autoflushes only before ORM-enabled statements, and text() is not one"
)

DIFFERENCES = {
    "dirty_same_value": {
        "why": (
            "session.dirty is optimistic in SQLAlchemy (any attribute set marks the object); Quarry's "
            "dirty_count() compares with the snapshot, since a plain struct cannot report a set. Neither "
            "sends an UPDATE, and is_modified() agrees."
        ),
        "diff": {"step 'set to the same values' out": {"python": [False, 1], "cpp": [False, 0]}},
    },
    "get_autoflush_dirty_only": {
        "why": (
            "get() of a key not in the identity map autoflushes in SQLAlchemy; Quarry flushes first only when "
            "objects are new or deleted (a change to a loaded object cannot change which row a key finds), "
            "so the UPDATE goes at the commit."
        ),
        "diff": {
            "step 'get another key while an object is dirty' statements": {
                "python": ["UPDATE cf_user SET (fullname) WHERE (id)", "SELECT"],
                "cpp": ["SELECT"],
            },
            "step 'commit' statements": {"python": [], "cpp": ["UPDATE cf_user SET (fullname) WHERE (id)"]},
        },
    },
    "deferred_column_access": {
        "why": (
            "a deferred column loads on attribute access in SQLAlchemy (a SELECT per object); a plain struct "
            "cannot intercept the access, so Quarry's member keeps its default until a query that selects "
            "the column (undefer(), refresh()) reads it."
        ),
        "diff": {
            "step 'read the deferred column' statements": {
                "python": ["SELECT", "SELECT"],
                "cpp": [],
            },
            "step 'read the deferred column' out": {
                "python": [["a long text", "another long text"]],
                "cpp": [[None, None]],
            },
        },
    },
    "expired_attribute_access": {
        "why": (
            "an object expired by commit() reloads on attribute access in SQLAlchemy; Quarry reloads it when "
            "the session next hands it out (get(), queries) or on refresh(): the attribute read sees the old "
            "value without SQL, and the next get() sends the SELECT."
        ),
        "diff": {
            "step 'read an attribute of the expired object' statements": {"python": ["SELECT"], "cpp": []},
            "step 'read an attribute of the expired object' out": {
                "python": ["Alice Pleasance"],
                "cpp": ["Alice Liddell"],
            },
            "step 'get' statements": {"python": [], "cpp": ["SELECT"]},
        },
    },
    "orm_update_fetch": {
        "why": _FETCH_WHY,
        "by_backend": {
            "sqlite": {
                "step 'update, fetch' statements": {
                    "python": ["SELECT", "UPDATE cf_user SET (fullname) WHERE (id)"],
                    "cpp": ["UPDATE cf_user SET (fullname) WHERE (id)"],
                }
            }
        },
    },
    "orm_delete_fetch": {
        "why": _FETCH_WHY,
        "by_backend": {
            "sqlite": {
                "step 'delete, fetch' statements": {
                    "python": ["SELECT", "DELETE cf_address WHERE (user_id)"],
                    "cpp": ["DELETE cf_address WHERE (user_id)"],
                }
            }
        },
    },
    "cascade_nullify_without_delete": {
        "why": (
            "SQLAlchemy's subquery eager loader (Item.item_keywords) sends its SELECT for the items a selectin "
            "load returned although each of them has the collection loaded already; Quarry loads only "
            "relationships that are not loaded. Rows and database contents agree."
        ),
        "diff": {
            "step 'delete a user with orders' statements": {
                "python": ["SELECT", "SELECT", "SELECT", "SELECT", "SELECT", "UPDATE cf_order SET (user_id) WHERE (id)",
                           "DELETE cf_address WHERE (id)", "DELETE cf_user WHERE (id)"],
                "cpp": ["SELECT", "SELECT", "SELECT", "SELECT", "UPDATE cf_order SET (user_id) WHERE (id)",
                        "DELETE cf_address WHERE (id)", "DELETE cf_user WHERE (id)"],
            }
        },
    },
    "many_to_many_delete_parent": {
        "why": (
            "deleting an object of a many-to-many deletes its association rows: SQLAlchemy one row at a time "
            "from the loaded collection, Quarry with one DELETE by the owner's key (which needs no loaded "
            "collection). The same rows are deleted."
        ),
        "diff": {
            "step 'delete' statements": {
                "python": ["DELETE cf_order_item WHERE (item_id, order_id)", "DELETE cf_order_item WHERE (item_id, order_id)",
                           "DELETE cf_order WHERE (id)"],
                "cpp": ["DELETE cf_order_item WHERE (order_id)", "DELETE cf_order WHERE (id)"],
            }
        },
    },
    "new_child_points_at_parent": {
        "why": (
            "a reference set on an object that is in no session (fresh.user = bob) reaches the other side "
            "(bob.addresses) at once in SQLAlchemy, whose attributes are instrumented; a plain struct's "
            "quarry::one<T> knows its relationship only once its object joins a session, so Quarry's "
            "back_populates starts there. Neither flushes the new object (SQLAlchemy 2.0 style does not "
            "cascade along the backref; it warns and still copies the key onto the object it did not add)."
        ),
        "diff": {
            "step 'a new child points at a loaded parent' out": {"python": [True], "cpp": [False]},
            "step 'flush' out": {"python": [False, 2], "cpp": [False, 0]},
        },
    },
    "session_execute_text": {
        "why": _TEXT_WHY,
        "diff": {
            "step 'count after autoflush' statements": {"python": ["SELECT"], "cpp": ["INSERT cf_user (fullname, name)", "SELECT"]},
            "step 'count after autoflush' out": {"python": [3], "cpp": [4]},
        },
    },
    "session_scalar_text": {
        "why": _TEXT_WHY,
        "diff": {
            "step 'scalar after autoflush' statements": {
                "python": ["SELECT", "SELECT"],
                "cpp": ["SELECT", "UPDATE cf_user SET (fullname) WHERE (id)", "SELECT"],
            },
            "step 'scalar after autoflush' out": {"python": ["Bob Dobbs"], "cpp": ["Robert"]},
            "step 'commit' statements": {"python": ["UPDATE cf_user SET (fullname) WHERE (id)"], "cpp": []},
        },
    },
    "session_scalars_text": {
        "why": _TEXT_WHY,
        "diff": {
            "step 'scalars after autoflush' statements": {"python": ["SELECT"], "cpp": ["INSERT cf_user (fullname, name)", "SELECT"]},
            "step 'scalars after autoflush' out": {
                "python": [["alice", "bob", "carol"]],
                "cpp": [["aaron", "alice", "bob", "carol"]],
            },
            "step 'commit' statements": {"python": ["INSERT cf_user (fullname, name)"], "cpp": []},
        },
    },
    "lazy_load_autoflush_with_dirty": {
        "why": (
            "a lazy load autoflushes in SQLAlchemy; Quarry's flushes first only when objects are new or "
            "deleted (a changed column of a loaded object cannot change which rows the load finds, and a "
            "full autoflush compares every object on every lazy load), so the UPDATE goes at the commit."
        ),
        "diff": {
            "step 'change a column, then load another object's collection' statements": {
                "python": ["UPDATE cf_user SET (fullname) WHERE (id)", "SELECT"],
                "cpp": ["SELECT"],
            },
            "step 'commit' statements": {"python": [], "cpp": ["UPDATE cf_user SET (fullname) WHERE (id)"]},
        },
    },
    "readd_after_expunge": {
        "why": (
            "a plain struct carries no identity, so Quarry cannot tell an expunged (detached) object from a "
            "new one with a natural key: add() makes it pending and its INSERT fails on the key it has "
            "(IntegrityError, nothing written). SQLAlchemy's add() makes a detached object persistent "
            "again; in Quarry, merge() does that."
        ),
        "diff": {
            "step 'add again' out": {"python": [True, [0, 0]], "cpp": [True, [1, 0]]},
            "step 'change and commit' statements": {
                "python": ["UPDATE cf_user SET (fullname) WHERE (id)"],
                "cpp": ["INSERT cf_user (fullname, id, name)"],
            },
            "step 'change and commit' out": {"python": ["no error"], "cpp": ["IntegrityError"]},
            "step 'get' out": {"python": [True, "Carol C."], "cpp": [False, None]},
            "db cf_user": {
                "python": [[1, "alice", "Alice Liddell"], [2, "bob", "Bob Dobbs"], [3, "carol", "Carol C."]],
                "cpp": [[1, "alice", "Alice Liddell"], [2, "bob", "Bob Dobbs"], [3, "carol", None]],
            },
        },
    },
}
