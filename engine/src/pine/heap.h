// Strings and arrays of one run. Pine arrays are reference values (assigning one shares it), so a
// Value holds a handle; the Heap owns the objects. Garbage is reclaimed by collect(), which the VM
// calls between bars when the heap has grown, with every live handle as a root.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "value.h"

namespace atf::pine {

/// Element kind of an array (the checker's static type, kept so that generic built-ins such as
/// array.sort or array.join know how to compare or print).
enum class ElemKind : uint8_t { kInt, kFloat, kBool, kString, kColor };

struct PineArray {
  ElemKind elem = ElemKind::kFloat;
  std::vector<Value> items;
};

class Heap {
 public:
  /// A new string; returns its handle.
  Value new_string(std::string s);
  /// The text of a string handle. Errors: RuntimeError for na or a stale handle.
  const std::string& str(Value handle) const;

  /// A new array of `elem` with the given items; returns its handle.
  Value new_array(ElemKind elem, std::vector<Value> items = {});
  /// The array behind a handle. Errors: RuntimeError naming na ("array is na") or a stale handle.
  PineArray& array(Value handle);
  const PineArray& array(Value handle) const;

  /// Objects allocated since the last collect(); the VM collects when this passes a threshold.
  size_t allocated_since_collect() const { return since_collect_; }
  /// Frees every string and array not reachable from the roots (na roots are ignored; arrays of
  /// strings keep their strings alive). Handles of live objects stay valid.
  void collect(const std::vector<Value>& string_roots, const std::vector<Value>& array_roots);
  /// Marks a value as permanently live (string literals interned at compile time).
  Value intern(std::string s);

 private:
  struct StrSlot { std::string text; bool live = false; bool pinned = false; };
  struct ArrSlot { PineArray arr; bool live = false; };
  std::vector<StrSlot> strings_;
  std::vector<ArrSlot> arrays_;
  std::vector<uint32_t> free_strings_, free_arrays_;
  size_t since_collect_ = 0;
};

}  // namespace atf::pine
