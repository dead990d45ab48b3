// SPDX-License-Identifier: Apache-2.0
#include "parallel.hpp"

#include <exception>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace dmc::field_detail {

unsigned resolve_threads(unsigned threads)
{
    if (threads != 0) return threads;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : hw;
}

Status parallel_for(uint64_t count, unsigned threads, const std::function<Status(uint64_t)> &task,
                    const std::atomic<bool> *cancel, const std::function<void(uint64_t)> &on_progress)
{
    std::atomic<uint64_t> next{0}, finished{0};
    std::atomic<bool> stop{false};
    std::mutex error_mutex;
    std::optional<Error> first_error;

    const auto record = [&](Error error) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::move(error);
        stop = true;
    };
    const auto cancelled = [&] { return cancel && cancel->load(std::memory_order_relaxed); };
    const auto worker = [&](bool report) {
        while (!stop.load(std::memory_order_relaxed) && !cancelled()) {
            const uint64_t i = next.fetch_add(1);
            if (i >= count) break;
            try {
                Status status = task(i);
                if (!status) {
                    record(status.error());
                    break;
                }
            } catch (const std::exception &e) {
                record(make_error(Errc::internal, std::string("tree worker failed: ") + e.what()));
                break;
            }
            const uint64_t done = finished.fetch_add(1) + 1;
            if (report && on_progress) on_progress(done);
        }
    };

    const uint64_t useful = count < resolve_threads(threads) ? count : resolve_threads(threads);
    std::vector<std::thread> helpers;
    for (uint64_t t = 1; t < useful; ++t) {
        try {
            helpers.emplace_back(worker, false);
        } catch (const std::system_error &) {
            break; // out of threads: the ones running (and the caller) do all the work
        }
    }
    worker(true);
    for (auto &thread : helpers) thread.join();

    if (first_error) return *first_error;
    if (finished.load() != count) return make_error(Errc::cancelled, "cancelled");
    if (on_progress) on_progress(count);
    return {};
}

} // namespace dmc::field_detail
