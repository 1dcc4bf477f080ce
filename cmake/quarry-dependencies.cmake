# What quarry::quarry needs; shared by the build tree and the installed package.
include(CMakeFindDependencyMacro)
find_package(SQLite3 REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
# Boost.PFR is header-only and ships with Boost 1.75+ (Debian: libboost1.81-dev).
find_package(Boost 1.75 REQUIRED)
include(GNUInstallDirs)
