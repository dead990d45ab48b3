// SPDX-License-Identifier: Apache-2.0
//
// Expected-style results used inside the sdk and core (docs/coding-style.md):
// a function that can fail on input or I/O returns Result<T>; exceptions are
// reserved for programming errors and never cross the plugin ABI.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace dmc {

enum class Errc {
    invalid_argument = 1,
    io = 2,
    cancelled = 3,
    unsupported = 4,
    no_memory = 5,
    device = 6,
    internal = 7,
    verify_failed = 8,
    not_found = 9,
    conflict = 10,
    corrupt = 11,
};

const char *errc_name(Errc c);

struct Error {
    Errc code = Errc::internal;
    std::string message;

    // Prefix the message with context ("while X: <message>").
    Error context(const std::string &what) const { return {code, what + ": " + message}; }
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T> class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(v_); }
    const T &value() const & { return std::get<0>(v_); }
    T &&value() && { return std::get<0>(std::move(v_)); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T *operator->() { return &std::get<0>(v_); }
    const T *operator->() const { return &std::get<0>(v_); }

    const Error &error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : err_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error &error() const { return err_; }

private:
    Error err_;
    bool ok_ = true;
};

using Status = Result<void>;

} // namespace dmc

// Propagate an error from an expression returning Result<...>.
#define DMC_CONCAT_INNER(a, b) a##b
#define DMC_CONCAT(a, b) DMC_CONCAT_INNER(a, b)
#define DMC_TRY_VOID(expr)                                                                                             \
    do {                                                                                                               \
        auto &&dmc_try_r_ = (expr);                                                                                    \
        if (!dmc_try_r_.ok()) return dmc_try_r_.error();                                                               \
    } while (0)
#define DMC_TRY_ASSIGN_IMPL(tmp, lhs, expr)                                                                            \
    auto tmp = (expr);                                                                                                 \
    if (!tmp.ok()) return tmp.error();                                                                                 \
    lhs = std::move(tmp).value()
#define DMC_TRY_ASSIGN(lhs, expr) DMC_TRY_ASSIGN_IMPL(DMC_CONCAT(dmc_try_tmp_, __LINE__), lhs, expr)
