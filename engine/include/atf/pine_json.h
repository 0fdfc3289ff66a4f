// JSON of the Pine subsystem: what `atf check --json` and the Wasm compileScript answer, the
// recorded plots of a run, and input overrides read from JSON.
#pragma once
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "atf/error.h"
#include "atf/params.h"
#include "atf/pine.h"

namespace atf {

/// {ok, diagnostics: [{severity, message, line, column}], hash, inputs: [...], settings: {...}}.
/// Numbers that are not declared (min/max/step) are null.
nlohmann::json to_json(const ScriptCheck& check);
nlohmann::json to_json(const ScriptInput& in);
nlohmann::json to_json(const ScriptSettings& s);

/// [{title, color, overlay, values: [number|null per bar]}].
nlohmann::json plots_json(const std::vector<PlotSeries>& plots);

/// Input overrides from an object {"name": number|bool|string}: numbers and bools (as 1/0) go to
/// `numbers`, strings to `texts`. Errors: kValidation naming the field ("inputs.name").
Status inputs_from_json(const nlohmann::json& j, ParamMap& numbers, std::map<std::string, std::string>& texts);

}  // namespace atf
