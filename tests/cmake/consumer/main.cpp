// A program that uses Quarry the way an application does.
#include <quarry/quarry.hpp>

int main() {
  auto engine = quarry::create_engine("sqlite://");
  auto conn = engine.connect();
  return conn.execute(quarry::text("SELECT :x + 1"), {{"x", 41}}).scalar<int>() == 42 ? 0 : 1;
}
