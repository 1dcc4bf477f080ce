// Quarry - SQLAlchemy for C++20. MIT License.
// Relationships in a small blog: users write posts, posts carry tags (many to
// many), readers comment, and comments answer comments (a tree). It shows each
// kind of relationship, cascades, every loading strategy with the number of
// statements it sends, and queries across relationships. It checks its own results.
//   relationships [url]      (default: sqlite:///relationships.db)
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "support/example.hpp"

namespace blog {
struct Post;
struct Comment;
struct Tag;

struct User {
  std::int64_t id{};
  std::string name;
  quarry::many<Post> posts;
};
struct Post {
  std::int64_t id{};
  std::int64_t author_id{};
  std::string title;
  quarry::one<User> author;
  quarry::many<Tag> tags;
  quarry::many<Comment> comments;
};
struct Tag {
  std::int64_t id{};
  std::string name;
  quarry::many<Post> posts;
};
// The association table of Post.tags / Tag.posts.
struct PostTag {
  std::int64_t post_id{};
  std::int64_t tag_id{};
};
struct Comment {
  std::int64_t id{};
  std::int64_t post_id{};
  std::optional<std::int64_t> parent_id;
  std::string body;
  quarry::one<Post> post;
  quarry::one<Comment> parent;
  quarry::many<Comment> replies;
};

QUARRY_MODEL(User, "blog_user",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::unique),
             QUARRY_RELATIONSHIP(posts, quarry::back_populates("author"), quarry::order_by_column(&Post::id)));
QUARRY_MODEL(Post, "blog_post",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(author_id, quarry::foreign_key(&User::id)),
             QUARRY_COLUMN(title),
             QUARRY_RELATIONSHIP(author, quarry::back_populates("posts")),
             QUARRY_RELATIONSHIP(tags, quarry::secondary<PostTag>(), quarry::back_populates("posts"),
                                 quarry::order_by_column(&Tag::name)),
             QUARRY_RELATIONSHIP(comments, quarry::back_populates("post"), quarry::cascade("all, delete-orphan"),
                                 quarry::order_by_column(&Comment::id)));
QUARRY_MODEL(Tag, "blog_tag",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::unique),
             QUARRY_RELATIONSHIP(posts, quarry::secondary<PostTag>(), quarry::back_populates("tags")));
QUARRY_MODEL(PostTag, "blog_post_tag",
             QUARRY_COLUMN(post_id, quarry::foreign_key(&Post::id)),
             QUARRY_COLUMN(tag_id, quarry::foreign_key(&Tag::id)),
             QUARRY_TABLE_ARGS(quarry::primary_key(&PostTag::post_id, &PostTag::tag_id)));
// Replies load with their comment (selectin, level by level) unless a query says otherwise.
QUARRY_MODEL(Comment, "blog_comment",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(post_id, quarry::foreign_key(&Post::id)),
             QUARRY_COLUMN(parent_id, quarry::foreign_key(&Comment::id)),
             QUARRY_COLUMN(body),
             QUARRY_RELATIONSHIP(post, quarry::back_populates("comments")),
             QUARRY_RELATIONSHIP(parent, quarry::back_populates("replies")),
             QUARRY_RELATIONSHIP(replies, quarry::back_populates("parent"), quarry::cascade("all"),
                                 quarry::lazy(quarry::loading::selectin), quarry::order_by_column(&Comment::id)));
}  // namespace blog

int main(int argc, char* argv[]) {
  using namespace quarry;
  using namespace blog;
  using example::expect;

  auto engine = create_engine(example::database_url(argc, argv, "sqlite:///relationships.db"));
  MetaData metadata;
  metadata.add<User, Post, Tag, PostTag, Comment>();
  metadata.drop_all(engine);
  metadata.create_all(engine);
  const auto& users = table<User>;
  const auto& posts = table<Post>;
  const auto& tags = table<Tag>;
  const auto& comments = table<Comment>;

  std::size_t statements = 0;
  engine.listen(events::before_execute, [&](const execute_event&) { ++statements; });
  sessionmaker make_session(engine);

  {
    // Build a graph in memory and add its root: everything reachable comes
    // along (save-update cascade), foreign keys are filled in at the flush.
    auto session = make_session();
    auto ada = std::make_shared<User>(User{0, "ada", {}});
    auto linus = std::make_shared<User>(User{0, "linus", {}});
    auto cpp = std::make_shared<Tag>(Tag{0, "c++", {}});
    auto databases = std::make_shared<Tag>(Tag{0, "databases", {}});
    for (int i = 1; i <= 3; ++i) {
      auto post = std::make_shared<Post>();
      post->title = "ada's post " + std::to_string(i);
      post->tags = {cpp, databases};
      ada->posts.push_back(post);
    }
    auto kernel = std::make_shared<Post>();
    kernel->title = "linus's post";
    kernel->tags.push_back(cpp);
    linus->posts.push_back(kernel);
    // A thread: a comment, a reply to it, and a reply to the reply.
    auto first = std::make_shared<Comment>(Comment{0, 0, std::nullopt, "first!", {}, {}, {}});
    auto reply = std::make_shared<Comment>(Comment{0, 0, std::nullopt, "welcome", {}, {}, {}});
    auto thanks = std::make_shared<Comment>(Comment{0, 0, std::nullopt, "thanks", {}, {}, {}});
    first->replies.push_back(reply);
    reply->replies.push_back(thanks);
    kernel->comments = {first, reply, thanks};
    session.add(ada);
    session.add(linus);
    expect(session.new_count() == 2 + 2 + 4 + 3, "the whole graph is pending");
    expect(kernel->author.get() == linus && cpp->posts.size() == 4, "back_populates fills in the other sides");
    session.commit();
    expect(reply->parent_id == first->id && thanks->parent_id == reply->id, "a tree is inserted parent first");
    fmt::print("saved 2 users, 4 posts, 2 tags and a thread of 3 comments\n");
  }

  auto count = [&](const char* what, std::size_t expected, const std::function<std::size_t()>& load) {
    statements = 0;
    std::size_t loaded = load();
    fmt::print("{:<44} {:>2} objects, {} statements\n", what, loaded, statements);
    expect(statements == expected, what);
    return loaded;
  };
  // Each strategy loads the same users and posts; the statements differ.
  auto users_and_posts = [&](auto&& statement) {
    return [&, statement] {
      auto session = make_session();
      std::size_t n = 0;
      for (auto& user : session.scalars(statement)) n += 1 + user->posts.size();
      return n;
    };
  };
  count("lazy (select): 1 + one per user", 3, users_and_posts(select<User>()));
  count("joinedload: one statement", 1, users_and_posts(select<User>().options(joinedload(&User::posts))));
  count("selectinload: one more statement", 2, users_and_posts(select<User>().options(selectinload(&User::posts))));
  count("subqueryload: one more statement", 2, users_and_posts(select<User>().options(subqueryload(&User::posts))));
  count("two levels: selectin, then joined", 2, [&] {
    auto session = make_session();
    std::size_t n = 0;
    for (auto& user : session.scalars(select<User>().options(selectinload(&User::posts).joinedload(&Post::tags))))
      for (auto& post : user->posts) n += post->tags.size();
    return n;
  });
  count("a comment tree, replies selectin by default", 4, [&] {
    auto session = make_session();
    auto root = session.scalars(select<Comment>().where(comments.parent_id.is_null())).one();
    std::size_t depth = 0;
    for (auto c = root; c; c = c->replies.empty() ? nullptr : c->replies.front()) ++depth;
    return depth;
  });

  {
    // raise: the N+1 guard. noload: never loaded.
    auto session = make_session();
    auto guarded = session.scalars(select<User>().options(raiseload(&User::posts))).first();
    bool raised = false;
    try {
      (void)guarded->posts.size();
    } catch (const InvalidRequestError& e) {
      raised = true;
      fmt::print("raiseload: {}\n", e.what());
    }
    expect(raised, "raiseload refuses a lazy load");
    auto quiet = session.scalars(select<Post>().options(noload(&Post::tags))).first();
    expect(quiet->tags.empty(), "noload leaves the collection empty");
  }

  {
    // Queries across relationships.
    auto session = make_session();
    auto commented = session.scalars(select<Post>().where(any(&Post::comments))).all();
    expect(commented.size() == 1 && commented[0]->title == "linus's post", "any(): posts with comments");
    auto by_ada = session.scalars(select<Post>().where(has(&Post::author, users.name == "ada"))).all();
    expect(by_ada.size() == 3, "has(): posts whose author is ada");
    auto tagged = session.scalars(select<Post>().join(&Post::tags).where(tags.name == "databases")).all();
    expect(tagged.size() == 3, "join() through the association table");
    auto ada = session.scalars(select<User>().where(users.name == "ada")).one();
    auto first = session.scalars(select<Post>().where(with_parent(*ada, &User::posts)).order_by(posts.id)).first();
    expect(first->title == "ada's post 1", "with_parent()");
    fmt::print("any(), has(), join(&Post::tags) and with_parent() found what they should\n");
  }

  {
    // Cascades: taking a tag off a post deletes the association row only;
    // deleting a post deletes its comments (cascade "all") first.
    auto session = make_session();
    auto post = session.scalars(select<Post>().where(posts.title == "ada's post 1")).one();
    post->tags.remove(post->tags.front());
    auto kernel = session.scalars(select<Post>().where(posts.title == "linus's post")).one();
    session.delete_(kernel);
    session.commit();
    auto conn = engine.connect();
    expect(conn.execute(select(func::count()).select_from(tags)).scalar() == 2, "tags stay");
    expect(conn.execute(select(func::count()).select_from(table<PostTag>)).scalar() == 5, "one association row fewer");
    expect(conn.execute(select(func::count()).select_from(comments)).scalar() == 0, "the thread went with its post");
    fmt::print("cascades: the association row and the comment thread were deleted\n");
  }
  return 0;
}
