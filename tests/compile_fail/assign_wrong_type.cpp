// expect: quarry: the value must have the column's type
#include "common.hpp"
int main() { auto s = quarry::update(misuse::u).values(misuse::u.id = "seven"); }
