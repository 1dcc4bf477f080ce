// expect: quarry: these types cannot be compared
#include "common.hpp"
int main() { auto s = quarry::select(misuse::u.id).where(misuse::u.name == 5); }
