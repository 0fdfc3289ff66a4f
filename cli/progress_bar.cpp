#include "progress_bar.h"

#include <cstdio>
#include <system_error>

namespace atf::cli {

ProgressBar::ProgressBar(std::function<std::pair<int64_t, int64_t>()> read, const char* unit, ProgressStyle style,
                         std::function<std::string()> label, std::function<int64_t()> failed)
    : read_(std::move(read)), unit_(unit), label_(std::move(label)), failed_(std::move(failed)), style_(style),
      start_(std::chrono::steady_clock::now()) {
  if (style_ == ProgressStyle::kNone) return;
  // A bar redraws every 100 ms; lines are for a driver that parses them, so fewer suffice.
  const int ticks = style_ == ProgressStyle::kBar ? 10 : 25;
  try {
    thread_ = std::thread([this, ticks] {
      while (!stop_.load()) {
        style_ == ProgressStyle::kBar ? draw() : draw_line();
        for (int i = 0; i < ticks && !stop_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  } catch (const std::system_error&) {
    style_ = ProgressStyle::kNone;  // no threads here (the Wasm build under Node): run without a bar
  }
}

ProgressBar::~ProgressBar() {
  if (style_ == ProgressStyle::kNone) return;
  stop_.store(true);
  thread_.join();
  if (style_ == ProgressStyle::kLines) {
    draw_line();  // the final count, so a driver never misses the last trials
    return;
  }
  std::fprintf(stderr, "\r\033[2K");
  std::fflush(stderr);
}

void ProgressBar::draw_line() {
  const auto [done, total] = read_();
  const int64_t failed = failed_ ? failed_() : 0;
  std::fprintf(stderr, "atf-progress %lld %lld %lld\n", static_cast<long long>(done), static_cast<long long>(failed),
               static_cast<long long>(total));
  std::fflush(stderr);
}

void ProgressBar::draw() {
  const auto [done, total] = read_();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  constexpr int kWidth = 30;
  char bar[kWidth + 1];
  const int filled = static_cast<int>(frac * kWidth);
  for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
  bar[kWidth] = '\0';
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
  const std::string label = label_ ? label_() + " " : std::string();
  std::fprintf(stderr, "\r\033[2K%s[%s] %5.1f%%  %lld/%lld %s  %.3g %s/s  ETA %.1fs  (Ctrl+C cancels)", label.c_str(), bar, frac * 100.0,
               static_cast<long long>(done), static_cast<long long>(total), unit_, rate, unit_, eta);
  std::fflush(stderr);
}

}  // namespace atf::cli
