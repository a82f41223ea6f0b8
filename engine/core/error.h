#pragma once
// Typed engine errors and the Result type returned at the public engine boundary.
// Engine internals throw EngineError; public calls wrap their work in mp::capture() so that
// nothing throws across a thread or signal boundary.

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace mp {

enum class ErrorCode {
    InvalidArgument,  // a caller-supplied option or value is wrong
    NotFound,         // a file, folder, key or component does not exist
    Io,               // the operating system refused a read or write
    Format,           // a file exists but its contents are malformed
    Config,           // a config.json key is missing or has the wrong type/value
    Weights,          // weights do not bind: missing, unexpected or wrong-shape keys
    Unsupported,      // well-formed but not something this build can do (pickle, dtype, family)
    Device,           // the requested device/dtype is unavailable
    OutOfMemory,      // an allocation failed; the message says what and how much
    Cancelled,        // the job was cancelled; not a failure, callers map it to a status
    Internal,         // a bug or an unexpected library exception
};

const char* errorCodeName(ErrorCode code);

class EngineError : public std::runtime_error {
public:
    EngineError(ErrorCode code, std::string message)
        : std::runtime_error(std::move(message)), m_code(code) {}
    ErrorCode code() const { return m_code; }
    std::string message() const { return what(); }

private:
    ErrorCode m_code;
};

// A value or an EngineError. Small on purpose: C++20 has no std::expected.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(EngineError error) : m_state(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }
    bool cancelled() const { return !ok() && error().code() == ErrorCode::Cancelled; }

    T& value() & {
        throwIfError();
        return std::get<0>(m_state);
    }
    const T& value() const& {
        throwIfError();
        return std::get<0>(m_state);
    }
    T&& value() && {
        throwIfError();
        return std::get<0>(std::move(m_state));
    }
    const EngineError& error() const { return std::get<1>(m_state); }

private:
    void throwIfError() const {
        if (!ok())
            throw std::get<1>(m_state);
    }
    std::variant<T, EngineError> m_state;
};

struct Ok {};
template <>
class [[nodiscard]] Result<void> : public Result<Ok> {
public:
    using Result<Ok>::Result;
    Result() : Result<Ok>(Ok{}) {}
};

// Maps the exception being handled to an EngineError. EngineError keeps its code. A failed
// allocation (std::bad_alloc, LibTorch's CPU or CUDA allocator) becomes OutOfMemory, saying what
// was being done (`activity`, e.g. "denoising 1×4×16×32×32 latents"), how much was asked for and
// what to reduce. Other library exceptions (c10::Error, ...) become Internal with their message,
// without the C++ stack trace LibTorch appends to it.
EngineError errorFromCurrentException(std::string_view activity = {});

// Runs fn(); a library exception escaping it is rethrown as errorFromCurrentException(activity).
template <class F>
auto during(std::string_view activity, F&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const EngineError&) {
        throw;
    } catch (...) {
        throw errorFromCurrentException(activity);
    }
}

template <class F>
auto capture(F&& fn) -> Result<std::invoke_result_t<F>> {
    using T = std::invoke_result_t<F>;
    try {
        if constexpr (std::is_void_v<T>) {
            fn();
            return Result<void>();
        } else {
            return Result<T>(fn());
        }
    } catch (...) {
        return Result<T>(errorFromCurrentException());
    }
}

}  // namespace mp
