// expect: quarry: only a std::optional column can be set to NULL
#include "common.hpp"
int main() { auto s = quarry::update(misuse::u).values(misuse::u.name = nullptr); }
