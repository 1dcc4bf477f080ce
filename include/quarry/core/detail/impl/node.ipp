// The non-template implementation of quarry/core/detail/node.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/detail/node.hpp"

namespace quarry::detail {

QUARRY_DECL auto shape_memo::operator=(const shape_memo&) noexcept -> shape_memo& {
  value_.store(0, std::memory_order_relaxed);
  return *this;
}

QUARRY_DECL auto node_stack::push(const node* n) -> void {
  if (size_ < small_.size()) small_[size_] = n;
  else large_.push_back(n);
  ++size_;
}

QUARRY_DECL auto node_stack::pop() noexcept -> const node* {
  --size_;
  if (size_ < small_.size()) return small_[size_];
  const node* n = large_.back();
  large_.pop_back();
  return n;
}

QUARRY_DECL chain_operands::chain_operands(const node& chain)
    : chain_(chain) {
  pending_.push(chain.children[1].get());
  pending_.push(chain.children[0].get());
}

QUARRY_DECL auto chain_operands::next() -> const node* {
  while (!pending_.empty()) {
    const node* c = pending_.pop();
    if (c->kind != chain_.kind || c->precedence != chain_.precedence || c->text != chain_.text) return c;
    pending_.push(c->children[1].get());
    pending_.push(c->children[0].get());
  }
  return nullptr;
}

QUARRY_DECL node::~node() {
  if (children.empty()) return;
  std::vector<node_ptr> pending = std::move(children);
  while (!pending.empty()) {
    node_ptr n = std::move(pending.back());
    pending.pop_back();
    if (n && n.use_count() == 1 && !n->children.empty()) {
      auto& grandchildren = const_cast<node&>(*n).children;  // made non-const; this is its last owner
      for (auto& g : grandchildren) pending.push_back(std::move(g));
      grandchildren.clear();
    }
  }
}

QUARRY_DECL auto node_list::edit() -> items& {
  if (!items_ || items_.use_count() > 1) items_ = std::make_shared<items>(get());
  return const_cast<items&>(*items_);  // made here, never const
}

QUARRY_DECL auto node_list::none() noexcept -> const items& {
  static const items empty;
  return empty;
}

}  // namespace quarry::detail
