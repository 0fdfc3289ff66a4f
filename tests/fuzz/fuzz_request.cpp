// Fuzz target: request validation as the Wasm module does it (wasm/bindings.cpp: validateBacktest,
// runBacktest, validateOptimization, runTrials). The input is the request text JS passes in; it
// goes through parse_json (wasm/answer.cpp), backtest_request_from_json and
// optimization_request_from_json (engine/src/json_io.cpp), then validate_request /
// validate_optimization. Checked: nothing throws (the module would answer "internal error"); errors
// are validation / not-found / limit errors with a message; every answer is valid JSON; a valid
// request survives to_json -> from_json unchanged; and a valid request runs on a fixed 48-bar
// dataset (a backtest, or the first and last combinations of the grid) with the module's answer
// writer agreeing with the engine's to_json.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "answer.h"
#include "atf/backtest.h"
#include "atf/datagen.h"
#include "atf/json_io.h"
#include "atf/market_data.h"
#include "atf/optimizer.h"
#include "fuzz_check.h"

namespace {

using nlohmann::json;

const atf::MarketData& dataset() {
  static const std::shared_ptr<const atf::MarketData> md = [] {
    atf::GeneratorOptions g;
    g.bars = 48;
    g.seed = 7;
    g.step_ms = 86'400'000;
    return *atf::prepare_market_data(atf::generate_bars(g));
  }();
  return *md;
}

/// An error answer as JS receives it: valid JSON, ok:false, a known code and a message.
void check_fail(const atf::Error& e) {
  FUZZ_CHECK(e.code == atf::ErrorCode::kValidation || e.code == atf::ErrorCode::kNotFound ||
                 e.code == atf::ErrorCode::kLimit,
             std::string(atf::error_code_name(e.code)) + ": " + e.message);
  FUZZ_CHECK(!e.message.empty(), "an error without a message");
  const json j = json::parse(atf::wasm::fail(e));
  FUZZ_CHECK(j["ok"] == false && j["error"]["code"] == atf::error_code_name(e.code), "error answer shape");
}

std::string text_of(const json& j) { return atf::wasm::dump(j); }

void run_backtest_answer(const atf::BacktestRequest& req) {
  auto res = atf::run_backtest(dataset(), req);
  if (!res) {
    FUZZ_CHECK(res.error().code == atf::ErrorCode::kRuntime, res.error().message);
    (void)json::parse(atf::wasm::fail(res.error()));
    return;
  }
  FUZZ_CHECK(res->bars == 48 && res->equity_curve.size() == 48, "backtest length");
  res->equity_curve.clear();
  const std::string engine = atf::wasm::ok(atf::to_json(*res, false));
  const std::string module = atf::wasm::backtest_answer(*res);
  FUZZ_CHECK(json::parse(module) == json::parse(engine), "backtest_answer differs from to_json");
}

void backtest(const json& j) {
  auto req = atf::backtest_request_from_json(j);
  if (!req) return check_fail(req.error());
  if (req->script) {  // a script request echoes the script's hash, not its text: run it, no round trip
    if (auto p = atf::prepare_script_request(*req, dataset()); !p) return check_fail(p.error());
    auto st = atf::validate_request(*req);
    if (!st) return check_fail(st.error());
    return run_backtest_answer(*req);
  }
  auto st = atf::validate_request(*req);
  if (!st) return check_fail(st.error());
  auto again = atf::backtest_request_from_json(json::parse(text_of(atf::to_json(*req))));
  FUZZ_CHECK(again.ok(), "a valid request does not read back: " + again.error().message);
  FUZZ_CHECK(text_of(atf::to_json(*again)) == text_of(atf::to_json(*req)), "backtest request round trip");
  run_backtest_answer(*req);
}

void optimization(const json& j) {
  auto req = atf::optimization_request_from_json(j);
  if (!req) return check_fail(req.error());
  if (req->base.script) {
    if (auto p = atf::prepare_script_request(req->base, dataset()); !p) return check_fail(p.error());
  }
  auto grid = atf::validate_optimization(*req);
  if (!grid) return check_fail(grid.error());
  FUZZ_CHECK(grid->size() >= 1 && grid->size() <= req->max_combinations, "grid size outside [1, limit]");
  if (req->base.script) return;  // no round trip for scripts (see backtest())
  auto again = atf::optimization_request_from_json(json::parse(text_of(atf::to_json(*req))));
  FUZZ_CHECK(again.ok(), "a valid optimization does not read back: " + again.error().message);
  FUZZ_CHECK(text_of(atf::to_json(*again)) == text_of(atf::to_json(*req)), "optimization request round trip");

  // runTrials on the first and last combinations; rerunTrial of the last must agree with it.
  const std::vector<int64_t> indexes{0, grid->size() - 1};
  auto trials = atf::run_grid_trials(dataset(), *req, *grid, indexes, {});
  FUZZ_CHECK(trials.size() == 2 && trials[0].index == 0 && trials[1].index == grid->size() - 1, "trial indexes");
  atf::OptimizationResult shell;
  shell.grid = *grid;
  shell.objective = req->objective;
  shell.maximize = req->maximize;
  shell.total = grid->size();
  for (auto& t : trials) {
    FUZZ_CHECK(!t.cancelled, "a trial cancelled without a cancel");
    FUZZ_CHECK(t.ok || !t.error_message.empty(), "a failed trial without a message");
    shell.trials.assign(1, t);
    (void)json::parse(text_of(atf::to_json(shell)["trials"][0]));
  }
  auto rerun = atf::rerun_trial(dataset(), *req, grid->size() - 1);
  FUZZ_CHECK(rerun.ok() == trials[1].ok, "rerun_trial and the trial disagree on success");
  if (rerun.ok()) {
    FUZZ_CHECK(rerun->final_equity == trials[1].final_equity ||
                   (std::isnan(rerun->final_equity) && std::isnan(trials[1].final_equity)),
               "rerun_trial final equity differs from the trial's");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto j = atf::wasm::parse_json(text, "request");
  if (!j) {
    check_fail(j.error());
    FUZZ_CHECK(j.error().field == "request", "parse error field");
    return 0;
  }
  backtest(*j);
  optimization(*j);
  return 0;
}
