// expect: quarry: session.execute() takes a statement
#include "common.hpp"
void run(quarry::Session& session) { session.execute("SELECT 1"); }
int main() {}
