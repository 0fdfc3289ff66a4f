#include "atf/error.h"

namespace atf {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kValidation: return "validation";
    case ErrorCode::kImport: return "import";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kRuntime: return "runtime";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace atf
