// expect: quarry: like() and ilike() apply to text columns
#include "common.hpp"
int main() { auto s = quarry::select(misuse::u.id).where(misuse::u.id.like("1%")); }
