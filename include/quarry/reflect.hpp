// Umbrella header of reflection: the Inspector, MetaData::reflect, and the model code generator.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/codegen.hpp"
#include "quarry/reflect/inspector.hpp"
#include "quarry/reflect/metadata_reflect.hpp"
#include "quarry/reflect/records.hpp"
