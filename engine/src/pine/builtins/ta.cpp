// The ta.* namespace.
#include "../builtin.h"

namespace atf::pine {

void register_ta(Registry& reg) { (void)reg; }

}  // namespace atf::pine
