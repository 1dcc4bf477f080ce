// expect: quarry: this member's type has no column type
#include <quarry/quarry.hpp>
struct Point {
  int x, y;
};
struct Shape {
  std::int64_t id{};
  Point origin;
};
QUARRY_MODEL(Shape, "shape", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(origin));
int main() {}
