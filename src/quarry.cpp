// The separately compiled part of Quarry (QUARRY_SEPARATE_COMPILATION): every implementation file, once.
#include "quarry/src.hpp"
