// A dialect header that includes its sibling layer, the Core, which the layer check must refuse.
#pragma once

#include "quarry/core/fwd.hpp"
