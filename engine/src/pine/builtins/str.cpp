// The str.* namespace.
#include "../builtin.h"

namespace atf::pine {

void register_str(Registry& reg) { (void)reg; }

}  // namespace atf::pine
