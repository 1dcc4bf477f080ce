// expect: quarry: insert().values() takes `column = value` assignments of the inserted table's columns
#include "common.hpp"
int main() { auto s = quarry::insert(misuse::u).values(misuse::u.name = "x", misuse::a.email = "y"); }
