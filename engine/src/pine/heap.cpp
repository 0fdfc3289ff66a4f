#include "heap.h"

namespace atf::pine {
namespace {

uint32_t index_of(Value handle, size_t size, const char* what) {
  if (is_na(handle)) throw RuntimeError(std::string(what) + " is na");
  if (!(handle >= 0) || handle >= static_cast<double>(size)) throw RuntimeError(std::string("invalid ") + what + " reference");
  return static_cast<uint32_t>(handle);
}

}  // namespace

Value Heap::new_string(std::string s) {
  ++since_collect_;
  if (!free_strings_.empty()) {
    const uint32_t i = free_strings_.back();
    free_strings_.pop_back();
    strings_[i].text = std::move(s);
    strings_[i].live = true;
    return i;
  }
  strings_.push_back({std::move(s), true, false});
  return static_cast<Value>(strings_.size() - 1);
}

Value Heap::intern(std::string s) {
  const Value h = new_string(std::move(s));
  strings_[static_cast<size_t>(h)].pinned = true;
  return h;
}

const std::string& Heap::str(Value handle) const {
  const uint32_t i = index_of(handle, strings_.size(), "string");
  if (!strings_[i].live) throw RuntimeError("invalid string reference");
  return strings_[i].text;
}

Value Heap::new_array(ElemKind elem, std::vector<Value> items) {
  ++since_collect_;
  if (!free_arrays_.empty()) {
    const uint32_t i = free_arrays_.back();
    free_arrays_.pop_back();
    arrays_[i].arr.elem = elem;
    arrays_[i].arr.items = std::move(items);
    arrays_[i].live = true;
    return i;
  }
  arrays_.push_back({PineArray{elem, std::move(items)}, true});
  return static_cast<Value>(arrays_.size() - 1);
}

PineArray& Heap::array(Value handle) {
  const uint32_t i = index_of(handle, arrays_.size(), "array");
  if (!arrays_[i].live) throw RuntimeError("invalid array reference");
  return arrays_[i].arr;
}

const PineArray& Heap::array(Value handle) const {
  const uint32_t i = index_of(handle, arrays_.size(), "array");
  if (!arrays_[i].live) throw RuntimeError("invalid array reference");
  return arrays_[i].arr;
}

void Heap::collect(const std::vector<Value>& string_roots, const std::vector<Value>& array_roots) {
  std::vector<bool> keep_s(strings_.size(), false), keep_a(arrays_.size(), false);
  auto mark_s = [&](Value h) {
    if (h >= 0 && h < static_cast<double>(strings_.size())) keep_s[static_cast<size_t>(h)] = true;
  };
  for (Value h : string_roots) mark_s(h);
  for (Value h : array_roots) {
    if (!(h >= 0 && h < static_cast<double>(arrays_.size()))) continue;
    const size_t i = static_cast<size_t>(h);
    keep_a[i] = true;
    if (arrays_[i].arr.elem == ElemKind::kString) {
      for (Value s : arrays_[i].arr.items) mark_s(s);
    }
  }
  for (size_t i = 0; i < strings_.size(); ++i) {
    if (strings_[i].live && !strings_[i].pinned && !keep_s[i]) {
      strings_[i].live = false;
      strings_[i].text.clear();
      strings_[i].text.shrink_to_fit();
      free_strings_.push_back(static_cast<uint32_t>(i));
    }
  }
  for (size_t i = 0; i < arrays_.size(); ++i) {
    if (arrays_[i].live && !keep_a[i]) {
      arrays_[i].live = false;
      arrays_[i].arr.items.clear();
      arrays_[i].arr.items.shrink_to_fit();
      free_arrays_.push_back(static_cast<uint32_t>(i));
    }
  }
  since_collect_ = 0;
}

}  // namespace atf::pine
