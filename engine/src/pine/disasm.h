// A readable listing of a compiled program (one instruction per line with its source line), for
// debugging the compiler and for `atf check --disasm`.
#pragma once
#include <string>

#include "program.h"

namespace atf::pine {

std::string disassemble(const Program& program);

}  // namespace atf::pine
