// Build mode: header-only (the default), or QUARRY_SEPARATE_COMPILATION with the implementation in a library.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

// As Boost.Asio does it: every header declares its non-template functions with
// QUARRY_DECL and defines them in an implementation file (impl/*.ipp). Header-only,
// the header includes that file and QUARRY_DECL is `inline`. With
// QUARRY_SEPARATE_COMPILATION defined, headers leave the implementation files out
// and one translation unit compiles them all (quarry/src.hpp; CMake's quarry::compiled).
#if defined(QUARRY_SEPARATE_COMPILATION)
#define QUARRY_DECL
#else
#define QUARRY_DECL inline
#endif
