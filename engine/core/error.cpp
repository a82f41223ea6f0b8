#include "core/error.h"

#include <new>

namespace mp {

const char* errorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument:
            return "invalid-argument";
        case ErrorCode::NotFound:
            return "not-found";
        case ErrorCode::Io:
            return "io";
        case ErrorCode::Format:
            return "format";
        case ErrorCode::Config:
            return "config";
        case ErrorCode::Weights:
            return "weights";
        case ErrorCode::Unsupported:
            return "unsupported";
        case ErrorCode::Device:
            return "device";
        case ErrorCode::Cancelled:
            return "cancelled";
        case ErrorCode::Internal:
            return "internal";
    }
    return "unknown";
}

EngineError errorFromCurrentException() {
    try {
        throw;
    } catch (const EngineError& e) {
        return e;
    } catch (const std::bad_alloc&) {
        return EngineError(ErrorCode::Internal, "out of memory");
    } catch (const std::exception& e) {
        return EngineError(ErrorCode::Internal, e.what());
    } catch (...) {
        return EngineError(ErrorCode::Internal, "unknown exception");
    }
}

}  // namespace mp
