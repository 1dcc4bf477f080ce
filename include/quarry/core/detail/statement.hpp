// statement_data: the tree every statement class holds, shared by copies until one changes it.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <memory>
#include <utility>

#include "quarry/core/compiled.hpp"
#include "quarry/core/detail/node.hpp"
#include "quarry/core/detail/shape_cache.hpp"

namespace quarry::detail {

// What every statement class holds: its tree, shared by copies until one of
// them is changed (builder methods change a copy, or the statement itself when
// it is a temporary), and the ways to compile and run it.
class statement_holder {
 public:
  explicit statement_holder(std::shared_ptr<statement_data> data) : data_(std::move(data)) {}

  std::shared_ptr<const statement_data> data() const { return data_; }

  std::shared_ptr<const compiled_statement> compiled(const dialect& d) const { return compile_once(*data_, d); }
  // What the Connection runs: this statement's compilation, or one of a statement of the same shape.
  void plan(const dialect& d, execution_plan& out) const { plan_execution(data_, d, out); }

 protected:
  [[gnu::noinline]] statement_data& edit() {
    if (data_.use_count() > 1) {
      data_ = std::make_shared<statement_data>(*data_);
    } else {
      data_->compiled.clear();
      data_->known.form = known_shape::form_t::none;
    }
    return *data_;
  }

  std::shared_ptr<statement_data> data_;
};

}  // namespace quarry::detail
