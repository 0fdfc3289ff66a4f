// `atf merge OUT.json SHARD.json... [--data FILE] [--script FILE.pine] [--date-order ...]
// [--out-sqlite FILE]`: the shards of one optimization (`atf optimize --shard K/N --json`) merged
// into the document a single-process run prints, statistics recomputed over all trials.
#pragma once
#include <string>
#include <vector>

namespace atf::cli {

/// Runs the merge command on `args` (after "merge"). Exit status as the other commands: 0, 1 (a
/// file could not be written), 2 (bad usage, shards that do not belong together).
int run_merge(const std::vector<std::string>& args);

}  // namespace atf::cli
