// SPDX-License-Identifier: Apache-2.0
//
// The PC1 turn of a sealing thread with `overlap = true` and its companion
// (docs/architecture.md §8.5). The two threads alternate: one holds the turn
// from its allocation until its batch's PC1 is over, so the other's next
// batch is leased and labelled while the first one's tree_c and tree_r_last
// run. Without the turn both would lease at once, label at once (twice the
// PC1 memory, the same cores), then build their trees at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

namespace dmc::service {

class Pc1Turn {
public:
    // Blocks until no other thread holds the turn, then takes it for
    // `holder`. Returns false without it once `give_up()` is true (checked
    // on every wake() and at least every `poll`).
    bool acquire(size_t holder, const std::function<bool()> &give_up,
                 std::chrono::milliseconds poll = std::chrono::milliseconds(200));
    // Gives the turn back; true when `holder` had it (false: nothing done).
    bool release(size_t holder);
    // Makes waiters look at their give_up() now (a stop, a pause).
    void wake();
    std::optional<size_t> holder() const;

private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::optional<size_t> holder_;
    uint64_t wakes_ = 0;
};

} // namespace dmc::service
