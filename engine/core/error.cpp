#include "core/error.h"
#include "core/strings.h"

#include <cstdio>
#include <new>
#include <regex>

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
        case ErrorCode::OutOfMemory:
            return "out-of-memory";
        case ErrorCode::Cancelled:
            return "cancelled";
        case ErrorCode::Internal:
            return "internal";
    }
    return "unknown";
}

namespace {

// c10::Error::what() appends "Exception raised from …" and a C++ stack trace to the message;
// people need the message.
std::string withoutBacktrace(std::string_view what) {
    // 2.x: "…\nException raised from f at file:line (most recent call first):\nframe #0: …";
    // 1.13's allocator errors go straight to "\nframe #0: …".
    for (const char* marker : {"Exception raised from", "\nframe #0"})
        if (const auto at = what.find(marker); at != std::string_view::npos)
            what = what.substr(0, at);
    while (!what.empty() && (what.back() == '\n' || what.back() == ' '))
        what.remove_suffix(1);
    return std::string(what);
}

// The size LibTorch's allocators report: the CPU one "you tried to allocate N bytes", the CUDA
// one "Tried to allocate 20.00 GiB". Empty when the message names none.
std::string requestedSize(const std::string& message) {
    static const std::regex cpu("tried to allocate ([0-9]+) bytes", std::regex::icase);
    static const std::regex cuda("Tried to allocate ([0-9.]+ ?[KMGTP]i?B)");
    std::smatch m;
    if (std::regex_search(message, m, cpu))
        return str::humanBytes(std::stod(m[1].str()));
    if (std::regex_search(message, m, cuda))
        return m[1].str();
    return {};
}

bool isOutOfMemory(const std::string& message) {
    return message.find("not enough memory") != std::string::npos ||
           message.find("can't allocate memory") != std::string::npos ||
           message.find("out of memory") != std::string::npos ||
           message.find("Tried to allocate") != std::string::npos;
}

EngineError outOfMemory(std::string_view activity, const std::string& size) {
    std::string msg = "out of memory";
    if (!activity.empty())
        msg += " while " + std::string(activity);
    if (!size.empty())
        msg += ": one allocation of " + size + " failed";
    msg += "; use fewer frames, a smaller size or batch, or a device with more memory";
    return EngineError(ErrorCode::OutOfMemory, msg);
}

}  // namespace

EngineError errorFromCurrentException(std::string_view activity) {
    try {
        throw;
    } catch (const EngineError& e) {
        return e;
    } catch (const std::bad_alloc&) {
        return outOfMemory(activity, {});
    } catch (const std::exception& e) {
        const auto message = withoutBacktrace(e.what());
        if (isOutOfMemory(message))
            return outOfMemory(activity, requestedSize(message));
        return EngineError(ErrorCode::Internal,
                           activity.empty() ? message : std::string(activity) + ": " + message);
    } catch (...) {
        return EngineError(ErrorCode::Internal, "unknown exception");
    }
}

}  // namespace mp
