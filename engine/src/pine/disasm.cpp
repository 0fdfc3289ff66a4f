#include "disasm.h"

#include <cstdio>

namespace atf::pine {
namespace {

const char* op_name(Op op) {
  switch (op) {
    case Op::kEnd: return "end";
    case Op::kMove: return "move";
    case Op::kAdd: return "add";
    case Op::kSub: return "sub";
    case Op::kMul: return "mul";
    case Op::kDiv: return "div";
    case Op::kMod: return "mod";
    case Op::kNeg: return "neg";
    case Op::kLt: return "lt";
    case Op::kLe: return "le";
    case Op::kGt: return "gt";
    case Op::kGe: return "ge";
    case Op::kEq: return "eq";
    case Op::kNe: return "ne";
    case Op::kSEq: return "seq";
    case Op::kSNe: return "sne";
    case Op::kSCat: return "scat";
    case Op::kNot: return "not";
    case Op::kBool: return "bool";
    case Op::kJmp: return "jmp";
    case Op::kJmpF: return "jmpf";
    case Op::kJmpT: return "jmpt";
    case Op::kJmpNa: return "jmpna";
    case Op::kJmpNotNa: return "jmpnotna";
    case Op::kIsNa: return "isna";
    case Op::kNz: return "nz";
    case Op::kTrunc: return "trunc";
    case Op::kPrice: return "price";
    case Op::kBuiltinVar: return "bvar";
    case Op::kHist: return "hist";
    case Op::kAdvance: return "advance";
    case Op::kCall: return "call";
    case Op::kShared: return "shared";
    case Op::kVarInit: return "varinit";
    case Op::kLoopTick: return "looptick";
    case Op::kForTest: return "fortest";
    case Op::kForInTest: return "forintest";
    case Op::kArrayNew: return "arraynew";
    case Op::kPlot: return "plot";
    case Op::kStrategyVar: return "svar";
    case Op::kRuntimeError: return "error";
    case Op::kJNLt: return "jnlt";
    case Op::kJNLe: return "jnle";
    case Op::kJNGt: return "jngt";
    case Op::kJNGe: return "jnge";
    case Op::kJNEq: return "jneq";
    case Op::kJNNe: return "jnne";
  }
  return "?";
}

}  // namespace

std::string disassemble(const Program& p) {
  std::string out;
  char buf[160];
  for (size_t i = 0; i < p.code.size(); ++i) {
    const Instr& in = p.code[i];
    std::snprintf(buf, sizeof buf, "%4zu  %-9s %5d %5d %5d %5d   ; line %d:%d", i, op_name(in.op), in.a, in.b, in.c, in.d,
                  p.pos[i].line, p.pos[i].col);
    out += buf;
    if (in.op == Op::kCall) out += "  " + p.calls[static_cast<size_t>(in.b)].name;
    if (in.op == Op::kShared) out += "  " + p.shared[static_cast<size_t>(in.b)].name;
    out += "\n";
  }
  return out;
}

}  // namespace atf::pine
