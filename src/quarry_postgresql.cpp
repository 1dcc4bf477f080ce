// The separately compiled PostgreSQL driver (QUARRY_SEPARATE_COMPILATION with quarry::postgresql).
#include "quarry/src_postgresql.hpp"
