#include "atf/params.h"

#include <cstdio>
#include <cstdlib>

namespace atf {

std::string format_number(double v) {
  char buf[40];
  // Shortest of %.15g / %.17g that reads back as the same double.
  std::snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string format_params(const ParamMap& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += ", ";
    out += name + "=" + format_number(value);
  }
  return out;
}

}  // namespace atf
