// A core header that includes the engine, which the layer check must refuse.
#pragma once

#include "quarry/engine/fwd.hpp"
