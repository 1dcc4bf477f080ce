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

QUARRY_DECL auto node_children::operator=(const node_children& other) -> node_children& {
  if (this != &other) assign(other.begin(), other.end());
  return *this;
}

QUARRY_DECL node_children::node_children(node_children&& other) noexcept
    : inline_(std::move(other.inline_)), spill_(std::move(other.spill_)), size_(other.size_) {
  other.size_ = 0;
}

QUARRY_DECL auto node_children::operator=(node_children&& other) noexcept -> node_children& {
  if (this != &other) {
    inline_ = std::move(other.inline_);
    spill_ = std::move(other.spill_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

QUARRY_DECL auto node_children::push_back(node_ptr n) -> void {
  if (size_ < inline_capacity) {
    inline_[size_++] = std::move(n);
    return;
  }
  if (size_ == inline_capacity) {
    spill_.reserve(inline_capacity * 2);
    for (auto& c : inline_) spill_.push_back(std::move(c));
  }
  spill_.push_back(std::move(n));
  ++size_;
}

QUARRY_DECL auto node_children::clear() noexcept -> void {
  for (auto& c : inline_) c.reset();
  spill_.clear();
  size_ = 0;
}

QUARRY_DECL node::~node() {
  // A grandchild would be destroyed by recursion, as deep as the tree (a chain
  // of any length); those trees are taken apart in a loop instead.
  bool deep = false;
  for (auto& c : children) deep = deep || (c && !c->children.empty());
  if (!deep) return;
  // The nodes still to take apart; a few fit without an allocation.
  struct pending_nodes {
    std::array<node_ptr, 8> small;
    std::vector<node_ptr> large;
    std::size_t size = 0;
    void push(node_ptr n) {
      if (size < small.size()) small[size] = std::move(n);
      else large.push_back(std::move(n));
      ++size;
    }
    node_ptr pop() {
      --size;
      if (size < small.size()) return std::move(small[size]);
      node_ptr n = std::move(large.back());
      large.pop_back();
      return n;
    }
  } pending;
  for (auto& c : children) pending.push(std::move(c));
  children.clear();
  while (pending.size > 0) {
    node_ptr n = pending.pop();
    if (n && n.use_count() == 1 && !n->children.empty()) {
      auto& grandchildren = const_cast<node&>(*n).children;  // made non-const; this is its last owner
      for (auto& g : grandchildren) pending.push(std::move(g));
      grandchildren.clear();
    }
  }
}

QUARRY_DECL auto node_list::edit() -> items& {
  if (!items_ || items_.use_count() > 1) items_ = std::make_shared<items>(get());
  table_columns_ = false;
  return const_cast<items&>(*items_);  // made here, never const
}

QUARRY_DECL auto node_list::none() noexcept -> const items& {
  static const items empty;
  return empty;
}

}  // namespace quarry::detail
