// Declarations of the web integration's names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

namespace quarry::ext {
struct database_config;
class database;
class request_scope;
struct request_info;
struct recorded_query;
class http_error;
struct error_response;
template <class M>
struct pagination;
template <class M, class K>
struct keyset_page;
}  // namespace quarry::ext
