// expect: quarry: where() needs a boolean expression
#include "common.hpp"
int main() { auto s = quarry::select(misuse::u.id).where(misuse::u.id + 1); }
