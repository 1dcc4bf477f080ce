// Declarations of the engine layer's types (a fixture of the layer check).
#pragma once
