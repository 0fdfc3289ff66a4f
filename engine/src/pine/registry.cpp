#include "builtin.h"

namespace atf::pine {

const Registry& builtin_registry() {
  static const Registry reg = [] {
    Registry r;
    register_ta(r);
    register_math(r);
    register_array(r);
    register_str(r);
    register_strategy(r);
    register_core(r);
    return r;
  }();
  return reg;
}

}  // namespace atf::pine
