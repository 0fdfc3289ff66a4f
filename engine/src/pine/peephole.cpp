#include "peephole.h"

#include <vector>

namespace atf::pine {
namespace {

bool is_compare(Op op) {
  return op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe || op == Op::kEq || op == Op::kNe;
}

/// Instructions without effects other than writing register `a` (so they may be dropped when
/// `a` is never read, or retargeted). kPrice with a history offset can fail (negative offset):
/// not pure.
bool is_pure(const Instr& in) {
  switch (in.op) {
    case Op::kMove: case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: case Op::kMod: case Op::kNeg:
    case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: case Op::kEq: case Op::kNe: case Op::kSEq: case Op::kSNe:
    case Op::kSCat: case Op::kNot: case Op::kBool: case Op::kIsNa: case Op::kNz: case Op::kTrunc: case Op::kBuiltinVar:
    case Op::kShared: case Op::kStrategyVar:
      return true;
    case Op::kPrice: return in.c < 0;
    default: return false;
  }
}

bool is_jump(Op op) {
  switch (op) {
    case Op::kJmp: case Op::kJmpF: case Op::kJmpT: case Op::kJmpNa: case Op::kJmpNotNa: case Op::kVarInit: case Op::kForTest:
    case Op::kForInTest: case Op::kJNLt: case Op::kJNLe: case Op::kJNGt: case Op::kJNGe: case Op::kJNEq: case Op::kJNNe:
      return true;
    default: return false;
  }
}

int32_t& jump_target(Instr& in) {
  switch (in.op) {
    case Op::kJmp: return in.a;
    case Op::kJmpF: case Op::kJmpT: case Op::kJmpNa: case Op::kJmpNotNa: case Op::kVarInit: return in.b;
    case Op::kForInTest: return in.c;
    case Op::kForTest: return in.d;
    default: return in.a;  // compare-and-jump
  }
}

/// Calls `f(reg)` for every register the instruction reads.
template <class F>
void for_reads(const Program& p, const Instr& in, F f) {
  switch (in.op) {
    case Op::kEnd: case Op::kJmp: case Op::kBuiltinVar: case Op::kShared: case Op::kStrategyVar: case Op::kArrayNew:
    case Op::kRuntimeError:
      break;
    case Op::kMove: case Op::kNeg: case Op::kNot: case Op::kBool: case Op::kIsNa: case Op::kTrunc: f(in.b); break;
    case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: case Op::kMod: case Op::kLt: case Op::kLe: case Op::kGt:
    case Op::kGe: case Op::kEq: case Op::kNe: case Op::kSEq: case Op::kSNe: case Op::kSCat: case Op::kNz:
      f(in.b);
      f(in.c);
      break;
    case Op::kJmpF: case Op::kJmpT: case Op::kJmpNa: case Op::kJmpNotNa: case Op::kVarInit: case Op::kLoopTick: f(in.a); break;
    case Op::kPrice:
      if (in.b < 0) f(-1 - in.b);
      if (in.c >= 0) f(in.c);
      break;
    case Op::kHist:
      if (in.c >= 0) f(in.c);
      f(p.hist[static_cast<size_t>(in.b)].reg);
      break;
    case Op::kAdvance:
      for (int32_t s : p.scopes[static_cast<size_t>(in.a)].hist) f(p.hist[static_cast<size_t>(s)].reg);
      break;
    case Op::kCall:
      for (int32_t k = 0; k < p.calls[static_cast<size_t>(in.b)].nargs; ++k) f(in.c + k);
      break;
    case Op::kForTest: f(in.a); f(in.b); f(in.c); break;
    case Op::kForInTest: f(in.a); f(in.b); break;
    case Op::kPlot: f(in.b); break;
    case Op::kJNLt: case Op::kJNLe: case Op::kJNGt: case Op::kJNGe: case Op::kJNEq: case Op::kJNNe:
      f(in.b);
      f(in.c);
      break;
  }
}

/// Calls `f(reg)` for every register the instruction writes.
template <class F>
void for_writes(const Program& p, const Instr& in, F f) {
  if (is_pure(in) || in.op == Op::kHist || in.op == Op::kPrice) {
    f(in.a);
    return;
  }
  switch (in.op) {
    case Op::kCall:
      for (int32_t k = 0; k < p.calls[static_cast<size_t>(in.b)].nout; ++k) f(in.a + k);
      break;
    case Op::kVarInit: case Op::kLoopTick: case Op::kForTest: f(in.a); break;
    case Op::kForInTest: if (in.d >= 0) f(in.d); break;
    default: break;
  }
}

Op fused_jump(Op cmp) {
  switch (cmp) {
    case Op::kLt: return Op::kJNLt;
    case Op::kLe: return Op::kJNLe;
    case Op::kGt: return Op::kJNGt;
    case Op::kGe: return Op::kJNGe;
    case Op::kEq: return Op::kJNEq;
    default: return Op::kJNNe;
  }
}

/// Drops instructions marked in `dead`, remapping jumps (a jump to a dropped instruction goes to
/// the next kept one, which is right because dropped instructions do nothing observable).
void compact(std::vector<Instr>& code, std::vector<SourcePos>& pos, const std::vector<bool>& dead) {
  std::vector<int32_t> new_index(code.size() + 1);
  int32_t k = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    new_index[i] = k;
    if (!dead[i]) ++k;
  }
  new_index[code.size()] = k;
  std::vector<Instr> out;
  std::vector<SourcePos> out_pos;
  for (size_t i = 0; i < code.size(); ++i) {
    if (dead[i]) continue;
    Instr in = code[i];
    if (is_jump(in.op)) {
      int32_t& t = jump_target(in);
      t = new_index[static_cast<size_t>(t)];
    }
    out.push_back(in);
    out_pos.push_back(pos[i]);
  }
  code = std::move(out);
  pos = std::move(out_pos);
}

/// The register fields an instruction reads, as references (for renaming); false for kinds whose
/// reads this pass does not rename.
bool read_fields(Instr& in, std::vector<int32_t*>& out) {
  out.clear();
  switch (in.op) {
    case Op::kMove: case Op::kNeg: case Op::kNot: case Op::kBool: case Op::kIsNa: case Op::kTrunc:
      out.push_back(&in.b);
      return true;
    case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: case Op::kMod: case Op::kLt: case Op::kLe: case Op::kGt:
    case Op::kGe: case Op::kEq: case Op::kNe: case Op::kNz: case Op::kJNLt: case Op::kJNLe: case Op::kJNGt: case Op::kJNGe:
    case Op::kJNEq: case Op::kJNNe:
      out.push_back(&in.b);
      out.push_back(&in.c);
      return true;
    case Op::kJmpF: case Op::kJmpT: case Op::kJmpNa: case Op::kJmpNotNa:
      out.push_back(&in.a);
      return true;
    default: return false;
  }
}

/// `move X, T` where every write of T is a pure instruction in a stretch just before the move
/// that only moves forward to it (a ternary's or if's branches, an `and`/`or`): those writes
/// write X instead and the move goes (left as a self-move, removed next round). Safe when X is
/// neither read nor written inside the stretch and no jump leaves it, so no one sees X change
/// earlier. Reads of T inside the stretch are renamed too, but only when nothing jumps into the
/// stretch from outside (so every such read follows one of the stretch's writes); with entries
/// from outside (a ternary's else branch), T must have no read but the move.
bool coalesce(const Program& p, std::vector<Instr>& code, const std::vector<int32_t>& reads,
              const std::vector<int32_t>& writes) {
  std::vector<int32_t*> fields;
  for (size_t m = 0; m < code.size(); ++m) {
    const Instr mv = code[m];
    if (mv.op != Op::kMove || mv.a == mv.b) continue;
    const int32_t t = mv.b, x = mv.a;
    if (writes[static_cast<size_t>(t)] < 1) continue;
    // Find T's writers scanning back; all must be pure and within a forward-only stretch.
    int32_t found = 0;
    size_t lo = m;
    bool ok = true;
    for (size_t k = m; k-- > 0 && found < writes[static_cast<size_t>(t)];) {
      const Instr& in = code[k];
      bool writes_t = false;
      for_writes(p, in, [&](int32_t r) { writes_t |= r == t; });
      if (writes_t) {
        if (!is_pure(in)) {
          ok = false;
          break;
        }
        ++found;
        lo = k;
      }
      if (m - k > 256) {
        ok = false;
        break;
      }
    }
    if (!ok || found != writes[static_cast<size_t>(t)]) continue;
    int32_t reads_inside = 0;
    for (size_t k = lo; k < m && ok; ++k) {
      Instr& in = code[k];
      for_reads(p, in, [&](int32_t r) {
        ok &= r != x;
        reads_inside += r == t;
      });
      for_writes(p, in, [&](int32_t r) { ok &= r == t || r != x; });
      if (is_jump(in.op)) {
        Instr copy = in;
        const int32_t dest = jump_target(copy);
        ok &= dest > static_cast<int32_t>(lo) && dest <= static_cast<int32_t>(m);
      }
      if (ok && reads_inside > 0) {
        bool reads_t = false;
        for_reads(p, in, [&](int32_t r) { reads_t |= r == t; });
        if (reads_t && !read_fields(in, fields)) ok = false;
      }
    }
    if (!ok || reads[static_cast<size_t>(t)] != 1 + reads_inside) continue;
    if (reads_inside > 0) {
      // No entry into (lo, m] from outside the stretch.
      for (size_t k = 0; k < code.size() && ok; ++k) {
        if ((k >= lo && k < m) || !is_jump(code[k].op)) continue;
        Instr copy = code[k];
        const int32_t dest = jump_target(copy);
        ok &= !(dest > static_cast<int32_t>(lo) && dest <= static_cast<int32_t>(m));
      }
      if (!ok) continue;
    }
    for (size_t k = lo; k < m; ++k) {
      Instr& in = code[k];
      if (read_fields(in, fields)) {
        for (int32_t* f : fields) {
          if (*f == t) *f = x;
        }
      }
      if (is_pure(in) && in.a == t) in.a = x;
    }
    code[m].b = x;  // now `move X, X`
    return true;
  }
  return false;
}

void optimize(Program& p, std::vector<Instr>& code, std::vector<SourcePos>& pos) {
  for (int round = 0; round < 256; ++round) {
    bool changed = false;
    const size_t nregs = static_cast<size_t>(p.nregs);
    std::vector<int32_t> reads(nregs, 0), writes(nregs, 0);
    std::vector<bool> target(code.size() + 1, false);
    for (const auto& [r, v] : p.const_regs) writes[static_cast<size_t>(r)] += 2;  // preset: never retarget
    for (const auto& [r, s] : p.string_regs) writes[static_cast<size_t>(r)] += 2;
    for (const auto& in : p.inputs) writes[static_cast<size_t>(in.reg)] += 2;
    for (size_t s = 0; s < p.hist.size(); ++s) reads[static_cast<size_t>(p.hist[s].reg)] += 2;  // history keeps it
    for (size_t i = 0; i < code.size(); ++i) {
      Instr& in = code[i];
      for_reads(p, in, [&](int32_t r) { ++reads[static_cast<size_t>(r)]; });
      for_writes(p, in, [&](int32_t r) { ++writes[static_cast<size_t>(r)]; });
      if (is_jump(in.op)) target[static_cast<size_t>(jump_target(in))] = true;
    }
    std::vector<bool> dead(code.size(), false);
    auto single_use = [&](int32_t r) { return writes[static_cast<size_t>(r)] == 1 && reads[static_cast<size_t>(r)] == 1; };
    for (size_t i = 0; i < code.size(); ++i) {
      Instr& in = code[i];
      if (in.op == Op::kAdvance && p.scopes[static_cast<size_t>(in.a)].hist.empty()) {
        dead[i] = true;
        changed = true;
        continue;
      }
      if (in.op == Op::kMove && in.a == in.b) {
        dead[i] = true;
        changed = true;
        continue;
      }
      if (is_pure(in) && reads[static_cast<size_t>(in.a)] == 0) {
        dead[i] = true;
        changed = true;
        continue;
      }
      if (i + 1 >= code.size() || dead[i] || target[i + 1]) continue;
      Instr& next = code[i + 1];
      // A jump on a comparison or na() just computed tests it directly; the comparison stays for
      // any other reader of its result (and goes as dead code when there is none).
      if (is_compare(in.op) && next.op == Op::kJmpF && next.a == in.a && in.a != in.b && in.a != in.c) {
        next = Instr{fused_jump(in.op), next.b, in.b, in.c, 0};
        changed = true;
        continue;
      }
      if (in.op == Op::kIsNa && (next.op == Op::kJmpT || next.op == Op::kJmpF) && next.a == in.a && in.a != in.b) {
        next = Instr{next.op == Op::kJmpT ? Op::kJmpNa : Op::kJmpNotNa, in.b, next.b, 0, 0};
        changed = true;
        continue;
      }
      const bool single_out = is_pure(in) || (in.op == Op::kCall && p.calls[static_cast<size_t>(in.b)].nout == 1);
      if (!single_out || !single_use(in.a)) continue;
      if (next.op == Op::kMove && next.b == in.a) {
        in.a = next.a;
        dead[i + 1] = true;
        changed = true;
        ++i;
      } else if ((is_compare(in.op) || in.op == Op::kIsNa || in.op == Op::kNot || in.op == Op::kBool) &&
                 next.op == Op::kBool && next.b == in.a) {
        in.a = next.a;
        dead[i + 1] = true;
        changed = true;
        ++i;
      }
    }
    if (!changed) changed = coalesce(p, code, reads, writes);
    if (!changed) break;
    compact(code, pos, dead);
  }
}

}  // namespace

void optimize_bytecode(Program& p) {
  optimize(p, p.code, p.pos);
  p.trial_code = p.code;
  p.trial_pos = p.pos;
  std::vector<bool> plots(p.trial_code.size(), false);
  bool any = false;
  for (size_t i = 0; i < p.trial_code.size(); ++i) {
    if (p.trial_code[i].op == Op::kPlot) plots[i] = any = true;
  }
  if (any) {
    compact(p.trial_code, p.trial_pos, plots);
    optimize(p, p.trial_code, p.trial_pos);
  }
}

}  // namespace atf::pine
