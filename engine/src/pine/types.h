// Pine's static types: a base type (with an element for arrays) and a qualifier
// (const < input < simple < series), as in TradingView's "Type system" chapter.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace atf::pine {

enum class Base : uint8_t { kVoid, kNaType, kInt, kFloat, kBool, kString, kColor, kArray, kTuple, kAny };
enum class Qual : uint8_t { kConst = 0, kInput = 1, kSimple = 2, kSeries = 3 };

struct Type {
  Base base = Base::kVoid;
  Base elem = Base::kVoid;  ///< arrays: the element type
  Qual qual = Qual::kConst;
  std::vector<Type> items;  ///< tuples: the element types

  static Type of(Base b, Qual q = Qual::kSeries) {
    Type t;
    t.base = b;
    t.qual = q;
    return t;
  }
  static Type array_of(Base e, Qual q = Qual::kSeries) {
    Type t;
    t.base = Base::kArray;
    t.elem = e;
    t.qual = q;
    return t;
  }
  bool numeric() const { return base == Base::kInt || base == Base::kFloat || base == Base::kNaType; }
  bool same_base(const Type& o) const { return base == o.base && (base != Base::kArray || elem == o.elem); }
};

inline Qual max_qual(Qual a, Qual b) { return a > b ? a : b; }
const char* base_name(Base b);
const char* qual_name(Qual q);
/// "series float", "array<int>", "[float, float]".
std::string type_text(const Type& t);

}  // namespace atf::pine
