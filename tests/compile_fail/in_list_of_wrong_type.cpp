// expect: quarry: in_() values must have the column's type
#include "common.hpp"
int main() { auto s = quarry::select(misuse::u.id).where(misuse::u.id.in_({"a", "b"})); }
