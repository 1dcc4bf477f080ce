// expect: quarry: sum() needs a numeric expression
#include "common.hpp"
int main() { auto s = quarry::select(quarry::func::sum(misuse::u.name)); }
