// Quarry - SQLAlchemy for C++20. MIT License.
// Relationships against the real databases: flushes through them, each
// loading strategy with its exact statement count, back_populates, cascades,
// a self-referential tree, composite foreign keys, and object lifetimes.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backend.hpp"
#include "database_fixture.hpp"

using namespace quarry;

namespace rel_models {
struct Post;
struct Comment;
struct Profile;
struct Volume;
struct Tag;
struct Rating;

struct Writer {
  std::int64_t id{};
  std::string name;
  many<Post> posts;
  one<Profile> profile;
  many<Writer> following;
  many<Writer> followers;
  many<Post> first_posts;  // a primaryjoin with a filter of its own
};
// Who follows whom: an association table with two foreign keys to the same table.
struct Follow {
  std::int64_t follower_id{};
  std::int64_t followed_id{};
};
struct Profile {
  std::int64_t id{};
  std::int64_t writer_id{};
  std::string bio;
  one<Writer> writer;
};
struct Post {
  std::int64_t id{};
  std::optional<std::int64_t> writer_id;
  std::string title;
  std::optional<std::string> body;
  one<Writer> writer;
  many<Comment> comments;
  many<Tag> tags;
  many<Rating> ratings;
};
struct Tag {
  std::int64_t id{};
  std::string name;
  many<Post> posts;
};
struct PostTag {
  std::int64_t post_id{};
  std::int64_t tag_id{};
};
// The association-object pattern: an association row with a column of its own.
struct Rating {
  std::int64_t post_id{};
  std::int64_t writer_id{};
  std::int32_t stars{};
  one<Post> post;
  one<Writer> rater;
};
// A tree of comments under a post.
struct Comment {
  std::int64_t id{};
  std::int64_t post_id{};
  std::optional<std::int64_t> parent_id;
  std::string body;
  one<Post> post;
  one<Comment> parent;
  many<Comment> replies;
};
// Shelves keyed by (room, number); volumes point at them through both columns.
struct Shelf {
  std::int64_t room{};
  std::int32_t number{};
  std::string label;
  many<Volume> volumes;
};
struct Volume {
  std::int64_t id{};
  std::int64_t room{};
  std::int32_t shelf_number{};
  std::string title;
  one<Shelf> shelf;
};
// Two foreign keys to the same table: each relationship names its own.
struct Transfer {
  std::int64_t id{};
  std::int64_t sender_id{};
  std::int64_t receiver_id{};
  one<Writer> sender;
  one<Writer> receiver;
};
struct Ambiguous {
  std::int64_t id{};
  std::int64_t a_id{};
  std::int64_t b_id{};
  one<Writer> writer;
};

QUARRY_MODEL(Writer, "rel_writer",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_RELATIONSHIP(posts, quarry::back_populates("writer"), quarry::order_by_column(&Post::title)),
             QUARRY_RELATIONSHIP(profile, quarry::back_populates("writer")),
             QUARRY_RELATIONSHIP(following, quarry::secondary(&Follow::follower_id, &Follow::followed_id),
                                 quarry::back_populates("followers"), quarry::order_by_column(&Writer::name)),
             QUARRY_RELATIONSHIP(followers, quarry::secondary(&Follow::followed_id, &Follow::follower_id),
                                 quarry::back_populates("following")),
             QUARRY_RELATIONSHIP(first_posts, quarry::primaryjoin([](const auto& writer, const auto& post) {
                                   return writer.id == post.writer_id && post.title.like("% post 1");
                                 })));
QUARRY_MODEL(Follow, "rel_follow",
             QUARRY_COLUMN(follower_id, quarry::foreign_key(&Writer::id)),
             QUARRY_COLUMN(followed_id, quarry::foreign_key(&Writer::id)),
             QUARRY_TABLE_ARGS(quarry::primary_key(&Follow::follower_id, &Follow::followed_id)));
QUARRY_MODEL(Profile, "rel_profile",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(writer_id, quarry::foreign_key(&Writer::id), quarry::unique),
             QUARRY_COLUMN(bio),
             QUARRY_RELATIONSHIP(writer, quarry::back_populates("profile")));
QUARRY_MODEL(Post, "rel_post",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(writer_id, quarry::foreign_key(&Writer::id)),
             QUARRY_COLUMN(title),
             QUARRY_COLUMN(body, quarry::deferred),
             QUARRY_RELATIONSHIP(writer, quarry::back_populates("posts")),
             QUARRY_RELATIONSHIP(comments, quarry::back_populates("post"), quarry::cascade("all, delete-orphan"),
                                 quarry::order_by_column(&Comment::id)),
             QUARRY_RELATIONSHIP(tags, quarry::secondary<PostTag>(), quarry::back_populates("posts"),
                                 quarry::order_by_column(&Tag::name)),
             QUARRY_RELATIONSHIP(ratings, quarry::back_populates("post"), quarry::cascade("all, delete-orphan")));
QUARRY_MODEL(Tag, "rel_tag",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::unique),
             QUARRY_RELATIONSHIP(posts, quarry::secondary<PostTag>(), quarry::back_populates("tags"),
                                 quarry::order_by_column(&Post::title)));
QUARRY_MODEL(PostTag, "rel_post_tag",
             QUARRY_COLUMN(post_id, quarry::foreign_key(&Post::id)),
             QUARRY_COLUMN(tag_id, quarry::foreign_key(&Tag::id)),
             QUARRY_TABLE_ARGS(quarry::primary_key(&PostTag::post_id, &PostTag::tag_id)));
QUARRY_MODEL(Rating, "rel_rating",
             QUARRY_COLUMN(post_id, quarry::foreign_key(&Post::id)),
             QUARRY_COLUMN(writer_id, quarry::foreign_key(&Writer::id)),
             QUARRY_COLUMN(stars),
             QUARRY_RELATIONSHIP(post, quarry::back_populates("ratings")),
             QUARRY_RELATIONSHIP(rater),
             QUARRY_TABLE_ARGS(quarry::primary_key(&Rating::post_id, &Rating::writer_id)));
QUARRY_MODEL(Comment, "rel_comment",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(post_id, quarry::foreign_key(&Post::id)),
             QUARRY_COLUMN(parent_id, quarry::foreign_key(&Comment::id)),
             QUARRY_COLUMN(body),
             QUARRY_RELATIONSHIP(post, quarry::back_populates("comments")),
             QUARRY_RELATIONSHIP(parent, quarry::back_populates("replies")),
             QUARRY_RELATIONSHIP(replies, quarry::back_populates("parent"), quarry::cascade("all"),
                                 quarry::order_by_column(&Comment::id)));
QUARRY_MODEL(Shelf, "rel_shelf",
             QUARRY_COLUMN(room),
             QUARRY_COLUMN(number),
             QUARRY_COLUMN(label),
             QUARRY_RELATIONSHIP(volumes, quarry::back_populates("shelf"), quarry::lazy(quarry::loading::selectin),
                                 quarry::cascade("all"), quarry::passive_deletes),
             QUARRY_TABLE_ARGS(quarry::primary_key(&Shelf::room, &Shelf::number)));
QUARRY_MODEL(Volume, "rel_volume",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(room),
             QUARRY_COLUMN(shelf_number),
             QUARRY_COLUMN(title),
             QUARRY_RELATIONSHIP(shelf, quarry::back_populates("volumes")),
             QUARRY_TABLE_ARGS(quarry::foreign_key(quarry::columns(&Volume::room, &Volume::shelf_number),
                                                   quarry::references(&Shelf::room, &Shelf::number),
                                                   quarry::fk_action::cascade)));
QUARRY_MODEL(Transfer, "rel_transfer",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(sender_id, quarry::foreign_key(&Writer::id)),
             QUARRY_COLUMN(receiver_id, quarry::foreign_key(&Writer::id)),
             QUARRY_RELATIONSHIP(sender, quarry::foreign_keys(&Transfer::sender_id)),
             QUARRY_RELATIONSHIP(receiver, quarry::foreign_keys(&Transfer::receiver_id)));
QUARRY_MODEL(Ambiguous, "rel_ambiguous",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(a_id, quarry::foreign_key(&Writer::id)),
             QUARRY_COLUMN(b_id, quarry::foreign_key(&Writer::id)),
             QUARRY_RELATIONSHIP(writer));
}  // namespace rel_models

using namespace rel_models;

namespace {
struct fixture : orm_test::database_fixture<Writer, Follow, Profile, Post, Comment, Tag, PostTag, Rating, Shelf, Volume,
                                            Transfer> {
  fixture() : database_fixture("relationships") {}

  // Three writers with two posts each, and two comments under each post.
  void blog() {
    Session s(engine);
    for (int w = 1; w <= 3; ++w) {
      auto writer = std::make_shared<Writer>();
      writer->name = "writer " + std::to_string(w);
      for (int p = 1; p <= 2; ++p) {
        auto post = std::make_shared<Post>();
        post->title = writer->name + " post " + std::to_string(p);
        for (int c = 1; c <= 2; ++c) post->comments.push_back(std::make_shared<Comment>(Comment{0, 0, {}, "c" + std::to_string(c), {}, {}, {}}));
        writer->posts.push_back(post);
      }
      s.add(writer);
    }
    s.commit();
    statements.clear();
  }
};
const auto& writers = quarry::table<Writer>;
const auto& posts = quarry::table<Post>;
const auto& comments = quarry::table<Comment>;
const auto& tags = quarry::table<Tag>;
const auto& post_tags = quarry::table<PostTag>;
}  // namespace

TEST_CASE("a parent added with its children: all INSERTed in FK order, foreign keys filled in", "[orm][relationships]") {
  fixture f;
  Session session(f.engine);
  auto writer = std::make_shared<Writer>();
  writer->name = "Le Guin";
  auto post = std::make_shared<Post>();
  post->title = "Earthsea";
  post->comments.push_back(std::make_shared<Comment>(Comment{0, 0, {}, "first", {}, {}, {}}));
  writer->posts.push_back(post);
  writer->profile = std::make_shared<Profile>(Profile{0, 0, "novelist", {}});
  session.add(writer);
  CHECK(session.new_count() == 4);  // save-update cascade at add()
  CHECK(post->writer.get() == writer);  // back_populates filled in when the graph came into the session
  CHECK(post->comments[0]->post.get() == post);
  session.commit();
  CHECK(f.count_sql("INSERT") == 4);
  auto conn = f.engine.connect();
  auto [post_writer, title] = conn.execute(select(posts.writer_id, posts.title)).one();
  CHECK(post_writer == writer->id);
  CHECK(title == "Earthsea");
  CHECK(conn.execute(select(comments.post_id)).scalar() == post->id);
  CHECK(conn.execute(select(quarry::table<Profile>.writer_id)).scalar() == writer->id);
}

TEST_CASE("lazy loading: one SELECT per relationship used; the identity map answers many-to-one", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto all = session.scalars(select<Writer>().order_by(writers.id)).all();
  REQUIRE(all.size() == 3);
  CHECK(f.statements.size() == 1);
  std::size_t seen = 0;
  for (auto& w : all)
    for (auto& p : w->posts) {
      CHECK(p->writer.get() == w);  // set from the collection's load: no SQL
      seen += p->title.starts_with(w->name);
    }
  CHECK(seen == 6);
  CHECK(f.statements.size() == 1 + 3);  // 1 + N
  CHECK(all[0]->posts[0]->title == "writer 1 post 1");  // order_by_column(&Post::title)
  // A many-to-one whose target is in the identity map needs no SQL.
  auto p = session.get<Post>(all[1]->posts[1]->id);
  f.statements.clear();
  CHECK(p->writer->name == "writer 2");
  CHECK(f.statements.empty());
}

TEST_CASE("lazy loads of one relationship from sessions on several threads at once", "[orm][relationships][threads]") {
  fixture f;
  f.blog();
  std::atomic<int> posts_seen{0}, first_posts_seen{0}, failures{0};
  std::latch start(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      try {
        for (int round = 0; round < 10; ++round) {
          Session s(f.engine);
          for (auto& w : s.scalars(select<Writer>()).all()) {
            for (auto& p : w->posts) posts_seen += p->title.starts_with(w->name) && p->writer.get() == w;
            // Another relationship to the same model, with a primaryjoin: a statement of its own.
            for (auto& p : w->first_posts) first_posts_seen += p->title == w->name + " post 1";
          }
        }
      } catch (...) {
        ++failures;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(posts_seen == 4 * 10 * 6);
  CHECK(first_posts_seen == 4 * 10 * 3);
  CHECK(f.count_sql("SELECT") == 4 * 10 * (1 + 3 + 3));  // each session: the writers, then two loads per writer
}

TEST_CASE("a one-key load whose targets load a relationship by subquery repeats its key in that subquery", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session s(f.engine);
  auto first = s.scalars(select<Writer>().where(writers.id == 1).options(selectinload(&Writer::posts).subqueryload(&Post::comments))).one();
  CHECK(f.statements.size() == 3);
  std::size_t comments_seen = 0;
  for (auto& p : first->posts)
    for (auto& c : p->comments) comments_seen += c->post.get() == p;
  CHECK(comments_seen == 4);
  CHECK(f.statements.size() == 3);
  CHECK(f.statements.back().find("anon_parents") != std::string::npos);
}

TEST_CASE("joined loading: one statement, parents once each, and a LIMIT counts parents", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto all = session.scalars(select<Writer>().options(joinedload(&Writer::posts)).order_by(writers.id)).all();
  REQUIRE(all.size() == 3);
  CHECK(f.statements.size() == 1);
  CHECK(f.statements[0].find("LEFT OUTER JOIN") != std::string::npos);
  for (auto& w : all) CHECK(w->posts.size() == 2);
  CHECK(all[2]->posts[1]->title == "writer 3 post 2");
  CHECK(f.statements.size() == 1);

  Session limited(f.engine);
  f.statements.clear();
  auto two = limited.scalars(select<Writer>().options(joinedload(&Writer::posts)).order_by(writers.id.desc()).limit(2)).all();
  REQUIRE(two.size() == 2);
  CHECK(two[0]->name == "writer 3");
  CHECK(two[1]->posts.size() == 2);
  CHECK(f.statements.size() == 1);

  // Two levels joined in the same statement.
  Session nested(f.engine);
  f.statements.clear();
  auto deep = nested.scalars(select<Writer>().options(joinedload(&Writer::posts).joinedload(&Post::comments))).all();
  std::size_t comment_count = 0;
  for (auto& w : deep)
    for (auto& p : w->posts) comment_count += p->comments.size();
  CHECK(comment_count == 12);
  CHECK(f.statements.size() == 1);
}

TEST_CASE("selectin and subquery loading: one more statement per level", "[orm][relationships]") {
  fixture f;
  f.blog();
  {
    Session session(f.engine);
    auto all = session.scalars(select<Writer>().options(selectinload(&Writer::posts).selectinload(&Post::comments))).all();
    std::size_t comment_count = 0;
    for (auto& w : all)
      for (auto& p : w->posts) comment_count += p->comments.size();
    CHECK(comment_count == 12);
    CHECK(f.statements.size() == 3);
    CHECK(f.statements[1].find(" IN (") != std::string::npos);
  }
  f.statements.clear();
  {
    Session session(f.engine);
    auto some = session.scalars(select<Writer>().where(writers.name != "writer 2").options(subqueryload(&Writer::posts))).all();
    REQUIRE(some.size() == 2);
    for (auto& w : some) CHECK(w->posts.size() == 2);
    CHECK(f.statements.size() == 2);
    CHECK(f.statements[1].find("anon_parents") != std::string::npos);
  }
  f.statements.clear();
  {
    // selectin then joined: the second statement joins the third level in.
    Session session(f.engine);
    auto all = session.scalars(select<Writer>().options(selectinload(&Writer::posts).joinedload(&Post::comments))).all();
    std::size_t comment_count = 0;
    for (auto& w : all)
      for (auto& p : w->posts) comment_count += p->comments.size();
    CHECK(comment_count == 12);
    CHECK(f.statements.size() == 2);
  }
}

TEST_CASE("selectin loading of many parents goes in batches under the parameter limits", "[orm][relationships]") {
  fixture f;
  {
    Session s(f.engine);
    for (int i = 0; i < 1203; ++i) {
      auto post = std::make_shared<Post>();
      post->title = "p" + std::to_string(i);
      if (i % 2 == 0) post->comments.push_back(std::make_shared<Comment>(Comment{0, 0, {}, "x", {}, {}, {}}));
      s.add(post);
    }
    s.commit();
  }
  f.statements.clear();
  Session session(f.engine);
  auto all = session.scalars(select<Post>().options(selectinload(&Post::comments))).all();
  REQUIRE(all.size() == 1203);
  CHECK(f.statements.size() == 1 + 3);  // 500 + 500 + 203 keys
  std::size_t with_comment = 0;
  for (auto& p : all) with_comment += p->comments.size();
  CHECK(with_comment == 602);
  CHECK(f.statements.size() == 1 + 3);
}

TEST_CASE("raise, raise_on_sql and noload", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto all = session.scalars(select<Writer>().options(raiseload(&Writer::posts))).all();
  CHECK_THROWS_WITH(all[0]->posts.size(), Catch::Contains("Writer.posts") && Catch::Contains("raise"));
  auto quiet = session.scalars(select<Post>().options(noload(&Post::comments))).all();
  CHECK(quiet[0]->comments.empty());
  // raise_on_sql: a many-to-one found in the identity map is fine; one needing SQL is not.
  auto loaded = session.scalars(select<Post>().options(raiseload(&Post::writer, true))).all();
  CHECK(loaded[0]->writer->name.starts_with("writer"));
  Session other(f.engine);
  auto cold = other.scalars(select<Post>().options(raiseload(&Post::writer, true))).all();
  CHECK_THROWS_WITH(cold[0]->writer.get(), Catch::Contains("raise_on_sql"));
}

TEST_CASE("relationships of a closed session: loaded ones stay, unloaded ones raise DetachedInstanceError", "[orm][relationships]") {
  fixture f;
  f.blog();
  std::shared_ptr<Writer> writer;
  std::shared_ptr<Post> lone_post;
  {
    Session session(f.engine);
    writer = session.scalars(select<Writer>().where(writers.name == "writer 1").options(selectinload(&Writer::posts))).one();
    lone_post = session.scalars(select<Post>().where(posts.title == "writer 2 post 1")).one();
    CHECK(lone_post->writer->name == "writer 2");
  }
  CHECK(writer->posts.size() == 2);
  CHECK(writer->posts[0]->writer.get() == writer);
  CHECK_THROWS_AS(writer->posts[0]->comments.size(), DetachedInstanceError);
  CHECK_THROWS_WITH(writer->profile.get(), Catch::Contains("Writer.profile"));
  // A child's reference to its parent is weak: nothing else holds writer 2 now.
  CHECK_THROWS_AS(lone_post->writer.get(), DetachedInstanceError);
}

TEST_CASE("back_populates keeps both sides in step in memory", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto w1 = session.scalars(select<Writer>().where(writers.name == "writer 1")).one();
  auto w2 = session.scalars(select<Writer>().where(writers.name == "writer 2")).one();
  REQUIRE(w1->posts.size() == 2);
  REQUIRE(w2->posts.size() == 2);
  auto moving = w1->posts[0];
  moving->writer = w2;  // leaves w1's collection, joins w2's
  CHECK(w1->posts.size() == 1);
  CHECK(w2->posts.size() == 3);
  auto fresh = std::make_shared<Post>();
  fresh->title = "new";
  w1->posts.push_back(fresh);
  CHECK(fresh->writer.get() == w1);
  session.commit();
  auto conn = f.engine.connect();
  CHECK(conn.execute(select(posts.writer_id).where(posts.id == moving->id)).scalar() == w2->id);
  CHECK(conn.execute(select(posts.writer_id).where(posts.title == "new")).scalar() == w1->id);
}

TEST_CASE("cascades: delete, delete-orphan, and foreign keys cleared by default", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto w1 = session.scalars(select<Writer>().where(writers.name == "writer 1")).one();
  // Taken out of the collection: default cascade clears the foreign key.
  auto removed = w1->posts[0];
  w1->posts.remove(removed);
  session.flush();
  CHECK(f.count_sql("UPDATE rel_post SET writer_id") == 1);
  CHECK_FALSE(removed->writer_id.has_value());
  CHECK_FALSE(session.execute(select(posts.writer_id).where(posts.id == removed->id)).scalar().has_value());
  // delete-orphan: a comment taken out of its post is deleted.
  auto post = w1->posts[0];
  REQUIRE(post->comments.size() == 2);
  post->comments.remove(post->comments[0]);
  session.commit();
  CHECK(f.rows(comments) == 11);
  // delete: deleting a post deletes its (unloaded) comments first.
  auto other = session.scalars(select<Post>().where(posts.title == "writer 2 post 1")).one();
  f.statements.clear();
  session.delete_(other);
  session.commit();
  CHECK(f.rows(comments) == 9);
  CHECK(f.rows(posts) == 5);
  // Deleting a writer without a delete cascade clears its posts' foreign keys.
  auto w3 = session.scalars(select<Writer>().where(writers.name == "writer 3")).one();
  session.delete_(w3);
  session.commit();
  CHECK(f.rows(posts) == 5);
  CHECK(f.engine.connect().execute(select(func::count()).select_from(posts).where(posts.writer_id.is_null())).scalar() == 3);
}

TEST_CASE("a self-referential tree: inserted level by level, loaded by selectin, deleted by cascade", "[orm][relationships]") {
  fixture f;
  auto session = std::make_optional<Session>(f.engine);
  auto post = std::make_shared<Post>();
  post->title = "thread";
  auto root = std::make_shared<Comment>(Comment{0, 0, {}, "root", {}, {}, {}});
  auto child = std::make_shared<Comment>(Comment{0, 0, {}, "child", {}, {}, {}});
  auto grandchild = std::make_shared<Comment>(Comment{0, 0, {}, "grandchild", {}, {}, {}});
  child->replies.push_back(grandchild);
  root->replies.push_back(child);
  post->comments = {root, child, grandchild};
  session->add(post);
  session->commit();
  CHECK(f.count_sql("INSERT INTO rel_comment") == 3);  // one level per statement
  CHECK(grandchild->parent->body == "child");
  CHECK(child->parent_id == root->id);
  session.reset();  // its read transaction would keep SQLite from committing the delete below

  Session reader(f.engine);
  f.statements.clear();
  auto top = reader.scalars(select<Comment>().where(comments.parent_id.is_null())
                                .options(selectinload(&Comment::replies).selectinload(&Comment::replies)))
                 .one();
  CHECK(top->replies[0]->replies[0]->body == "grandchild");
  CHECK(f.statements.size() == 3);

  reader.delete_(top);  // cascade "all" on replies: the whole tree goes, children first
  reader.commit();
  CHECK(f.rows(comments) == 0);
}

TEST_CASE("composite foreign keys, one-to-one, and relationships that name their foreign key", "[orm][relationships]") {
  fixture f;
  {
    Session s(f.engine);
    for (std::int32_t n = 1; n <= 2; ++n) {
      auto shelf = std::make_shared<Shelf>(Shelf{7, n, "shelf " + std::to_string(n), {}});
      shelf->volumes.push_back(std::make_shared<Volume>(Volume{0, 0, 0, "vol a" + std::to_string(n), {}}));
      shelf->volumes.push_back(std::make_shared<Volume>(Volume{0, 0, 0, "vol b" + std::to_string(n), {}}));
      s.add(shelf);
    }
    auto a = s.add(Writer{0, "a", {}, {}, {}, {}, {}});
    auto b = s.add(Writer{0, "b", {}, {}, {}, {}, {}});
    auto t = std::make_shared<Transfer>();
    t->sender = a;
    t->receiver = b;
    s.add(t);
    s.commit();
    CHECK(t->sender_id == a->id);
    CHECK(t->receiver_id == b->id);
  }
  f.statements.clear();
  Session session(f.engine);
  auto shelves = session.scalars(select<Shelf>()).all();  // lazy = selectin by default on Shelf.volumes
  REQUIRE(shelves.size() == 2);
  CHECK(f.statements.size() == 2);
  for (auto& shelf : shelves) {
    REQUIRE(shelf->volumes.size() == 2);
    CHECK(shelf->volumes[0]->shelf_number == shelf->number);
    CHECK(shelf->volumes[1]->shelf.get() == shelf);
  }
  CHECK(f.statements.size() == 2);
  auto profile_owner = session.add(Writer{0, "with profile", {}, {}, {}, {}, {}});
  profile_owner->profile = std::make_shared<Profile>(Profile{0, 0, "bio", {}});
  session.commit();
  Session again(f.engine);
  auto w = again.get<Writer>(profile_owner->id);
  REQUIRE(w->profile);
  CHECK(w->profile->bio == "bio");
  CHECK(w->profile->writer.get() == w);
  CHECK_THROWS_WITH(quarry::detail::relationships_of<Ambiguous>(), Catch::Contains("Ambiguous.writer") &&
                                                                       Catch::Contains("foreign_keys"));
}

TEST_CASE("many-to-many through an association table: written once from both sides, loaded every way", "[orm][relationships]") {
  fixture f;
  {
    Session s(f.engine);
    auto p1 = std::make_shared<Post>();
    p1->title = "p1";
    auto p2 = std::make_shared<Post>();
    p2->title = "p2";
    auto cpp = std::make_shared<Tag>(Tag{0, "c++", {}});
    auto sql = std::make_shared<Tag>(Tag{0, "sql", {}});
    p1->tags = {sql, cpp};
    p2->tags.push_back(sql);
    s.add(p1);
    s.add(p2);
    CHECK(sql->posts.size() == 2);  // the other side, filled in as the graph came into the session
    s.commit();
    CHECK(f.count_sql("INSERT INTO rel_post_tag") == 1);  // three rows, one executemany
    CHECK(f.rows(post_tags) == 3);
  }
  f.statements.clear();
  {
    Session s(f.engine);
    auto all = s.scalars(select<Post>().order_by(posts.title)).all();
    REQUIRE(all[0]->tags.size() == 2);
    CHECK(all[0]->tags[0]->name == "c++");  // order_by_column(&Tag::name)
    REQUIRE(all[1]->tags.size() == 1);
    CHECK(all[1]->tags[0] == all[0]->tags[1]);  // one object per row
    CHECK(f.statements.size() == 3);             // lazy: 1 + N
  }
  auto load = [&](auto option, std::size_t statements) {
    f.statements.clear();
    Session s(f.engine);
    auto all = s.scalars(select<Post>().options(option).order_by(posts.title)).all();
    std::size_t n = 0;
    for (auto& p : all) n += p->tags.size();
    CHECK(n == 3);
    CHECK(all[1]->tags[0]->name == "sql");
    CHECK(f.statements.size() == statements);
  };
  load(selectinload(&Post::tags), 2);
  load(joinedload(&Post::tags), 1);
  load(subqueryload(&Post::tags), 2);
  {
    Session s(f.engine);
    auto sql = s.scalars(select<Tag>().where(tags.name == "sql").options(selectinload(&Tag::posts))).one();
    REQUIRE(sql->posts.size() == 2);
    CHECK(sql->posts[1]->title == "p2");
  }
  {
    // Taking a tag out deletes the association row, not the tag; deleting a post deletes its rows first.
    Session s(f.engine);
    auto p1 = s.scalars(select<Post>().where(posts.title == "p1")).one();
    p1->tags.remove(p1->tags[0]);
    s.commit();
    CHECK(f.rows(post_tags) == 2);
    CHECK(f.rows(tags) == 2);
    auto p2 = s.scalars(select<Post>().where(posts.title == "p2")).one();
    s.delete_(p2);
    s.commit();
    CHECK(f.rows(post_tags) == 1);
  }
  {
    // The weak side of a two-way many-to-many (Tag.posts) is dropped when its session closes.
    std::shared_ptr<Post> post;
    std::shared_ptr<Tag> tag;
    {
      Session s(f.engine);
      post = s.scalars(select<Post>().options(selectinload(&Post::tags).selectinload(&Tag::posts))).one();
      tag = post->tags.front();
      CHECK(tag->posts.size() == 1);
    }
    CHECK(post->tags.size() == 1);
    CHECK_THROWS_AS(tag->posts.size(), DetachedInstanceError);
  }
}

TEST_CASE("a self-referential many-to-many (followers) and an association object (ratings)", "[orm][relationships]") {
  fixture f;
  std::int64_t a_id = 0;
  {
    Session s(f.engine);
    auto a = s.add(Writer{0, "a", {}, {}, {}, {}, {}});
    auto b = s.add(Writer{0, "b", {}, {}, {}, {}, {}});
    auto c = s.add(Writer{0, "c", {}, {}, {}, {}, {}});
    a->following = {c, b};
    c->following.push_back(a);
    CHECK(b->followers.size() == 1);
    auto post = std::make_shared<Post>();
    post->title = "rated";
    post->ratings.push_back(std::make_shared<Rating>(Rating{0, 0, 5, {}, b}));
    post->ratings.push_back(std::make_shared<Rating>(Rating{0, 0, 3, {}, c}));
    s.add(post);
    s.commit();
    CHECK(f.rows(quarry::table<Follow>) == 3);
    a_id = a->id;
  }
  f.statements.clear();
  Session s(f.engine);
  auto a = s.get<Writer>(a_id);
  REQUIRE(a->following.size() == 2);
  CHECK(a->following[0]->name == "b");
  REQUIRE(a->followers.size() == 1);
  CHECK(a->followers[0]->name == "c");
  CHECK(a->followers[0]->following.size() == 1);
  auto rated = s.scalars(select<Post>().options(selectinload(&Post::ratings).joinedload(&Rating::rater))).one();
  REQUIRE(rated->ratings.size() == 2);
  int stars = 0;
  for (auto& r : rated->ratings) stars += r->stars * (r->rater->name == "b" ? 10 : 1);
  CHECK(stars == 53);
  rated->ratings.remove(rated->ratings[0]);  // delete-orphan: the association object goes
  s.commit();
  CHECK(f.rows(quarry::table<Rating>) == 1);
}

TEST_CASE("queries across relationships: join, any, has, with_parent, contains_eager", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session s(f.engine);
  CHECK(s.scalars(select<Post>().join(&Post::comments).where(comments.body == "c1")).all().size() == 6);
  CHECK(s.execute(select(writers.name).join(&Writer::posts).where(posts.title == "writer 2 post 1")).scalar() == "writer 2");
  CHECK(s.scalars(select<Writer>().where(any(&Writer::posts, posts.title == "writer 3 post 2"))).one()->name == "writer 3");
  CHECK(s.scalars(select<Writer>().where(!any(&Writer::posts))).all().empty());
  CHECK(s.scalars(select<Post>().where(has(&Post::writer, writers.name == "writer 1"))).all().size() == 2);
  auto w2 = s.scalars(select<Writer>().where(writers.name == "writer 2")).one();
  auto of_w2 = s.scalars(select<Post>().where(with_parent(*w2, &Writer::posts)).order_by(posts.title)).all();
  REQUIRE(of_w2.size() == 2);
  CHECK(of_w2[0]->title == "writer 2 post 1");

  // The same through an association table.
  auto tagged = of_w2[1];
  tagged->tags.push_back(std::make_shared<Tag>(Tag{0, "news", {}}));
  s.commit();
  CHECK(s.scalars(select<Post>().where(any(&Post::tags, tags.name == "news"))).one()->id == tagged->id);
  CHECK(s.scalars(select<Post>().join(&Post::tags).where(tags.name == "news")).one()->id == tagged->id);
  CHECK(s.scalars(select<Tag>().where(with_parent(*tagged, &Post::tags))).one()->name == "news");
  CHECK(s.scalars(select<Tag>().where(any(&Tag::posts, posts.title == "writer 1 post 1"))).all().empty());

  // contains_eager: the collection comes from the statement's own join, in one statement.
  Session eager_session(f.engine);
  f.statements.clear();
  auto eager = eager_session
                   .scalars(select<Writer>()
                                .join(&Writer::posts)
                                .where(posts.title.like("%post 1"))
                                .options(contains_eager(&Writer::posts)))
                   .all();
  REQUIRE(eager.size() == 3);
  for (auto& w : eager) {
    REQUIRE(w->posts.size() == 1);
    CHECK(w->posts[0]->title == w->name + " post 1");
  }
  CHECK(f.statements.size() == 1);
  // The legacy Query takes loader options too.
  Session legacy(f.engine);
  f.statements.clear();
  auto listed = legacy.query<Writer>().options(selectinload(&Writer::posts)).order_by(writers.name).all();
  REQUIRE(listed.size() == 3);
  CHECK(listed[0]->posts.size() == 2);
  CHECK(f.statements.size() == 2);
}

TEST_CASE("merge and expunge cascade along relationships; passive_deletes leaves children to the database", "[orm][relationships]") {
  fixture f;
  f.blog();
  // A detached graph: writer 1 renamed, its first post renamed, a new post, its second post left out.
  Writer detached;
  std::shared_ptr<Post> renamed;
  {
    Session reader(f.engine);
    auto w1 = reader.scalars(select<Writer>().where(writers.name == "writer 1").options(selectinload(&Writer::posts))).one();
    detached.id = w1->id;
    detached.name = "writer one";
    renamed = std::make_shared<Post>();
    renamed->id = w1->posts[0]->id;
    renamed->writer_id = w1->id;
    renamed->title = "renamed";
    auto added = std::make_shared<Post>();
    added->title = "added";
    detached.posts = {renamed, added};
  }
  Session s(f.engine);
  auto merged = s.merge(detached);
  CHECK(merged->name == "writer one");
  REQUIRE(merged->posts.size() == 2);
  CHECK(merged->posts[0].get() != renamed.get());  // the session's own object, with the detached one's values
  CHECK(merged->posts[0]->title == "renamed");
  CHECK(merged->posts[1]->writer.get() == merged);
  s.commit();
  auto conn = f.engine.connect();
  CHECK(conn.execute(select(func::count()).select_from(posts).where(posts.writer_id == detached.id)).scalar() == 2);
  CHECK(conn.execute(select(posts.title).where(posts.id == renamed->id)).scalar() == "renamed");
  CHECK(conn.execute(select(func::count()).select_from(posts).where(posts.writer_id.is_null())).scalar() == 1);
  CHECK(conn.execute(select(writers.name).where(writers.id == detached.id)).scalar() == "writer one");
  conn.close();

  // expunge cascades along Post.comments ("all"), not along Post.writer.
  auto post = s.scalars(select<Post>().where(posts.title == "writer 2 post 1").options(selectinload(&Post::comments))).one();
  auto comment = post->comments[0];
  auto writer = post->writer.get();
  s.expunge(post);
  CHECK_FALSE(s.contains(post.get()));
  CHECK_FALSE(s.contains(comment.get()));
  CHECK(s.contains(writer.get()));
  s.close();

  // passive_deletes: the unloaded volumes of a shelf are left to ON DELETE CASCADE.
  {
    Session adder(f.engine);
    auto shelf = std::make_shared<Shelf>(Shelf{1, 1, "top", {}});
    shelf->volumes.push_back(std::make_shared<Volume>(Volume{0, 0, 0, "one", {}}));
    adder.add(shelf);
    adder.commit();
  }
  Session deleter(f.engine);
  auto shelf = deleter.scalars(select<Shelf>().options(lazyload(&Shelf::volumes))).one();
  f.statements.clear();
  deleter.delete_(shelf);
  deleter.commit();
  CHECK(f.count_sql("SELECT") == 0);
  CHECK(f.rows(quarry::table<Volume>) == 0);
}

TEST_CASE("deferred columns: declared deferred, defer, undefer and load_only, along paths too", "[orm][relationships]") {
  fixture f;
  f.blog();
  {
    Session s(f.engine);
    auto p = s.scalars(select<Post>().where(posts.title == "writer 1 post 1")).one();
    p->body = "a long text";
    s.commit();
  }
  f.statements.clear();
  Session s(f.engine);
  auto post = s.scalars(select<Post>().where(posts.title == "writer 1 post 1")).one();
  CHECK_FALSE(post->body.has_value());  // Post.body is declared deferred
  CHECK(f.statements[0].find("body") == std::string::npos);
  post->title = "renamed";
  s.flush();
  CHECK(f.statements.back().find("SET title = ") != std::string::npos);
  CHECK(f.statements.back().find("body") == std::string::npos);  // the unread column is not written
  auto again = s.scalars(select<Post>().where(posts.id == post->id).options(undefer(&Post::body))).one();
  CHECK(again == post);
  CHECK(post->body == "a long text");  // arrived into the object the session has
  CHECK_FALSE(s.is_modified(post));

  Session other(f.engine);
  f.statements.clear();
  auto only = other.scalars(select<Writer>().where(writers.name == "writer 1").options(load_only(&Writer::id))).one();
  CHECK(only->name.empty());
  auto with_posts = other.scalars(select<Writer>().options(selectinload(&Writer::posts).load_only(&Post::title, &Post::body))).all();
  bool found = false;
  for (auto& w : with_posts)
    for (auto& p : w->posts) {
      CHECK((p->writer_id.has_value() && !p->title.empty()));
      found = found || p->body == "a long text";
    }
  CHECK(found);
  CHECK(only->name == "writer 1");  // read by the second query, into the same object
  auto deferred_title = other.scalars(select<Post>().options(joinedload(&Post::writer), defer(&Post::title))).all();
  CHECK(deferred_title.size() == 6);
}

TEST_CASE("primaryjoin: a relationship over a join condition of its own, with every strategy", "[orm][relationships]") {
  fixture f;
  f.blog();
  auto check = [&](auto statement, std::size_t statements) {
    f.statements.clear();
    Session s(f.engine);
    auto all = s.scalars(statement.order_by(writers.id)).all();
    REQUIRE(all.size() == 3);
    for (auto& w : all) {
      REQUIRE(w->first_posts.size() == 1);
      CHECK(w->first_posts[0]->title == w->name + " post 1");
    }
    CHECK(f.statements.size() == statements);
  };
  check(select<Writer>(), 4);
  check(select<Writer>().options(selectinload(&Writer::first_posts)), 2);
  check(select<Writer>().options(joinedload(&Writer::first_posts)), 1);
  check(select<Writer>().options(subqueryload(&Writer::first_posts)), 2);
  Session s(f.engine);
  CHECK(s.scalars(select<Writer>().where(any(&Writer::first_posts, posts.title == "writer 2 post 1"))).one()->name == "writer 2");
  CHECK(s.scalars(select<Writer>().where(any(&Writer::first_posts, posts.title == "writer 2 post 2"))).all().empty());
  CHECK(s.scalars(select<Writer>().join(&Writer::first_posts)).all().size() == 3);
}

TEST_CASE("delete-orphan: a child moved to another parent is re-parented, not deleted", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto p1 = session.scalars(select<Post>().where(posts.title == "writer 1 post 1")).one();
  auto p2 = session.scalars(select<Post>().where(posts.title == "writer 1 post 2")).one();
  auto p3 = session.scalars(select<Post>().where(posts.title == "writer 2 post 1")).one();
  REQUIRE(p1->comments.size() == 2);
  // Appended to the other parent's collection (back_populates takes it out of the first).
  auto by_append = p1->comments[0];
  p2->comments.push_back(by_append);
  CHECK(p1->comments.size() == 1);
  f.statements.clear();
  session.flush();
  CHECK(f.count_sql("DELETE") == 0);
  CHECK(f.count_sql("UPDATE rel_comment SET post_id") == 1);
  CHECK(by_append->post_id == p2->id);
  // Through the reference, to a parent whose collection is not loaded.
  auto by_reference = p1->comments[0];
  by_reference->post = p3;
  CHECK(p1->comments.empty());
  f.statements.clear();
  session.commit();
  CHECK(f.count_sql("DELETE") == 0);
  CHECK(f.rows(comments) == 12);
  auto conn = f.engine.connect();
  CHECK(conn.execute(select(comments.post_id).where(comments.id == by_append->id)).scalar() == p2->id);
  CHECK(conn.execute(select(comments.post_id).where(comments.id == by_reference->id)).scalar() == p3->id);
  conn.close();
  // A child taken out of one collection and put in no other is still an orphan.
  auto p2_again = session.get<Post>(p2->id);
  auto orphan = p2_again->comments[0];
  p2_again->comments.remove(orphan);
  session.commit();
  CHECK(f.rows(comments) == 11);
}

TEST_CASE("a savepoint rolled back undoes its collection changes in memory too", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto post = session.scalars(select<Post>().where(posts.title == "writer 1 post 1")).one();
  REQUIRE(post->comments.size() == 2);
  {
    auto sp = session.begin_nested();
    post->comments.push_back(std::make_shared<Comment>(Comment{0, 0, {}, "rolled back", {}, {}, {}}));
    session.flush();
    sp.rollback();
  }
  // The collection holds what the database holds again (reloaded on use).
  CHECK(post->comments.size() == 2);
  {
    // Unflushed changes of the savepoint go too: a removal (an orphan) and an addition.
    auto sp = session.begin_nested();
    post->comments.remove(post->comments[0]);
    post->comments.push_back(std::make_shared<Comment>(Comment{0, 0, {}, "never flushed", {}, {}, {}}));
    sp.rollback();
  }
  CHECK(post->comments.size() == 2);
  {
    // A new object that names its parent and is added: the parent's collection gets it, and gives it back.
    auto sp = session.begin_nested();
    auto child = std::make_shared<Comment>(Comment{0, 0, {}, "added with its parent", {}, {}, {}});
    child->post = post;
    session.add(child);
    CHECK(post->comments.size() == 3);
    sp.rollback();
  }
  CHECK(post->comments.size() == 2);
  session.commit();
  CHECK(f.rows(comments) == 12);
  auto conn = f.engine.connect();
  CHECK(conn.execute(select(func::count()).select_from(comments).where(comments.body == "rolled back")).scalar() == 0);
  CHECK(conn.execute(select(func::count()).select_from(comments).where(comments.body == "never flushed")).scalar() == 0);
  conn.close();
  // Two deep: the inner rollback keeps what the outer savepoint did.
  {
    auto outer = session.begin_nested();
    post->comments.push_back(std::make_shared<Comment>(Comment{0, 0, {}, "outer", {}, {}, {}}));
    {
      auto inner = session.begin_nested();
      post->comments.push_back(std::make_shared<Comment>(Comment{0, 0, {}, "inner", {}, {}, {}}));
      session.flush();
      inner.rollback();
    }
    CHECK(post->comments.size() == 3);
    outer.commit();
  }
  session.commit();
  CHECK(f.rows(comments) == 13);
}

TEST_CASE("select<M>() joined to a collection gives an object per row; unique() and the legacy Query give each once", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto per_row = session.scalars(select<Writer>().join(&Writer::posts).order_by(writers.id)).all();
  REQUIRE(per_row.size() == 6);
  CHECK(per_row[0] == per_row[1]);
  auto each_once = session.scalars(select<Writer>().join(&Writer::posts).order_by(writers.id)).unique();
  REQUIRE(each_once.size() == 3);
  CHECK(each_once[0] == per_row[0]);
  CHECK(each_once[2]->name == "writer 3");
  CHECK(session.query<Writer>().join(&Writer::posts).all().size() == 3);
  CHECK(session.query<Writer>().join(&Writer::posts).filter(writers.name == "writer 2").one()->name == "writer 2");
  CHECK(session.query<Writer>().join(&Writer::posts).filter(writers.name == "nobody").one_or_none() == nullptr);
  // A joined eager load of a collection gives each parent once, as unique() would.
  CHECK(session.scalars(select<Writer>().options(joinedload(&Writer::posts))).size() == 3);
}

TEST_CASE("cascades take effect when the relationship changes, as in SQLAlchemy", "[orm][relationships]") {
  fixture f;
  f.blog();
  Session session(f.engine);
  auto post = session.scalars(select<Post>().where(posts.title == "writer 1 post 1")).one();
  // save-update: an object put into a collection is in the session at once.
  auto fresh = std::make_shared<Comment>(Comment{0, 0, {}, "fresh", {}, {}, {}});
  post->comments.push_back(fresh);
  CHECK(session.contains(fresh.get()));
  CHECK(session.new_count() == 1);
  // delete-orphan: a new object taken out again leaves the session, and nothing is written.
  post->comments.remove(fresh);
  CHECK_FALSE(session.contains(fresh.get()));
  CHECK(session.new_count() == 0);
  f.statements.clear();
  session.flush();
  CHECK(f.count_sql("INSERT") == 0);
  // delete: delete_() follows the cascade now; deleted_objects() shows the comments it reached.
  session.delete_(post);
  CHECK(session.deleted_count() == 3);
  std::size_t comments_deleted = 0;
  for (auto& o : session.deleted_objects()) comments_deleted += o.is<Comment>();
  CHECK(comments_deleted == 2);
  session.commit();
  CHECK(f.rows(comments) == 10);
  CHECK(f.rows(posts) == 5);
}

TEST_CASE("a merge that changes only a collection, two keys from new parents, marks a savepoint takes back", "[orm][relationships]") {
  fixture f;
  f.blog();
  std::int64_t post_id = 0, writer_id = 0, t1_id = 0;
  {
    Session s(f.engine);
    auto post = s.scalars(select<Post>().where(posts.title == "writer 1 post 1")).one();
    post->tags.push_back(std::make_shared<Tag>(Tag{0, "t1", {}}));
    post->tags.push_back(std::make_shared<Tag>(Tag{0, "t2", {}}));
    s.commit();
    post = s.get<Post>(post->id);
    post_id = post->id;
    writer_id = *post->writer_id;
    t1_id = post->tags[0]->id;
  }
  REQUIRE(f.rows(post_tags) == 2);
  {
    // The detached copy holds one tag of the two: the merge drops the other's association row.
    Session s(f.engine);
    Post detached;
    detached.id = post_id;
    detached.writer_id = writer_id;
    detached.title = "writer 1 post 1";
    detached.tags = many<Tag>{std::make_shared<Tag>(Tag{t1_id, "t1", {}})};
    s.merge(detached);
    s.commit();
  }
  CHECK(f.rows(post_tags) == 1);
  const auto& transfers = quarry::table<Transfer>;
  {
    // A persistent row pointed at two new parents takes both their keys.
    Session s(f.engine);
    auto w = s.scalars(select<Writer>().where(writers.name == "writer 1")).one();
    auto transfer = s.add(Transfer{0, w->id, w->id, {}, {}});
    s.commit();
    transfer = s.get<Transfer>(transfer->id);
    auto sender = std::make_shared<Writer>(Writer{0, "sender", {}, {}, {}, {}, {}});
    auto receiver = std::make_shared<Writer>(Writer{0, "receiver", {}, {}, {}, {}, {}});
    transfer->sender = sender;
    transfer->receiver = receiver;
    s.commit();
    auto conn = f.engine.connect();
    CHECK(conn.execute(select(transfers.sender_id).where(transfers.id == transfer->id)).scalar() == sender->id);
    CHECK(conn.execute(select(transfers.receiver_id).where(transfers.id == transfer->id)).scalar() == receiver->id);
  }
  {
    // A deletion marked in a savepoint and not flushed is taken back by its rollback.
    Session s(f.engine);
    auto w3 = s.scalars(select<Writer>().where(writers.name == "writer 3")).one();
    {
      auto sp = s.begin_nested();
      s.delete_(w3);
      CHECK(s.deleted_count() == 1);
      sp.rollback();
    }
    CHECK(s.deleted_count() == 0);
    // An ORM DELETE that fetches a row whose object is marked for deletion counts the mark off.
    auto t2 = s.scalars(select<Tag>().where(tags.name == "t2")).one();
    {
      auto no_flush = s.no_autoflush();
      s.delete_(t2);
      CHECK(s.execute(delete_(tags).where(tags.name == "t2"), synchronize_session::fetch) == 1);
    }
    CHECK(s.deleted_count() == 0);
    s.commit();
  }
  CHECK(f.rows(writers) == 5);
  CHECK(f.rows(tags) == 1);
}
