// Declarations of the core layer's types (a fixture of the layer check).
#pragma once
