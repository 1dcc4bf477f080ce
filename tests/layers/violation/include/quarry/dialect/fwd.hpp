// Declarations of the dialect layer's names (a fixture of the layer check).
#pragma once
