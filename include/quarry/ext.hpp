// Umbrella header of the web integration, without a server (add quarry/ext/httplib.hpp for cpp-httplib's).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/ext/config.hpp"
#include "quarry/ext/database.hpp"
#include "quarry/ext/http_error.hpp"
#include "quarry/ext/pagination.hpp"
#include "quarry/ext/request.hpp"
