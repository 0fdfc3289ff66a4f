// The math.* namespace.
#include "../builtin.h"

namespace atf::pine {

void register_math(Registry& reg) { (void)reg; }

}  // namespace atf::pine
