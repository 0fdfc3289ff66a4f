// The array.* namespace.
#include "../builtin.h"

namespace atf::pine {

void register_array(Registry& reg) { (void)reg; }

}  // namespace atf::pine
