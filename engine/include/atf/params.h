// Strategy parameters: each strategy declares its own, so UIs and optimizers are generated.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace atf {

enum class ParamType { kInt, kFloat };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kInt;
  double default_value = 0, min = 0, max = 0, step = 1;
  std::string description;
};

/// Parameter values by name; ints are stored as exact doubles.
using ParamMap = std::map<std::string, double>;

/// "fast=10, slow=30" (declaration order is not kept; names sort).
std::string format_params(const ParamMap& params);

/// Shortest decimal text for a parameter value ("10", "2.5").
std::string format_number(double v);

}  // namespace atf
