// expect: quarry: the selects of a union/intersect/except must have the same column types
#include "common.hpp"
int main() { auto s = quarry::union_(quarry::select(misuse::u.id), quarry::select(misuse::a.email)); }
