// Bytecode clean-up after compilation, kept out of the compiler so that the compiler can emit
// the simple, obviously-correct form (a temporary per expression, a move per assignment):
//   - a pure instruction writing a single-use temporary that the next instruction moves into a
//     variable writes the variable directly;
//   - a comparison whose single-use result only feeds a conditional jump becomes one
//     compare-and-jump instruction; one that only feeds `bool` writes the bool's register;
//   - pure instructions whose result nobody reads are dropped (e.g. the unused values of `if`
//     statements, the price loads of arguments that a shared series replaced);
//   - scope entries with no history to push, and moves of a register to itself, are dropped.
// It also builds the code that trials run: the same program without plot recording.
#pragma once
#include "program.h"

namespace atf::pine {

/// Rewrites program.code/pos in place and fills program.trial_code/trial_pos. Behaviour is
/// unchanged (every rule above preserves each register's value where it is read).
void optimize_bytecode(Program& program);

}  // namespace atf::pine
