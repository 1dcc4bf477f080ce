// expect: quarry: a field of this model is not named in QUARRY_MODEL
#include <quarry/quarry.hpp>
struct Account {
  std::int64_t id{};
  std::string owner;
  double balance{};
};
QUARRY_MODEL(Account, "account", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(balance));
int main() {}
