// The strategy catalog: names, declared parameters and their validation.
#pragma once
#include <string>
#include <vector>

#include "atf/error.h"
#include "atf/params.h"

namespace atf {

struct StrategyInfo {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
  bool hidden = false;  ///< for tests and demos (e.g. fault injection); not listed in UIs
};

/// Every strategy, visible ones first.
const std::vector<StrategyInfo>& strategy_catalog();
const StrategyInfo* find_strategy(const std::string& name);

/// Fills defaults and checks each value (known name, integer where declared, within [min, max])
/// and the strategy's own rules (e.g. fast < slow). Errors name the parameter as the field.
Result<ParamMap> resolve_params(const std::string& strategy, const ParamMap& given);

/// Checks one parameter value against its declaration only.
Status check_param(const ParamSpec& spec, double value);

}  // namespace atf
