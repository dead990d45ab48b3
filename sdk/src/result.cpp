// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/result.hpp"

namespace dmc {

const char *errc_name(Errc c)
{
    switch (c) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::io: return "I/O error";
    case Errc::cancelled: return "cancelled";
    case Errc::unsupported: return "unsupported";
    case Errc::no_memory: return "out of memory";
    case Errc::device: return "device error";
    case Errc::internal: return "internal error";
    case Errc::verify_failed: return "verification failed";
    case Errc::not_found: return "not found";
    case Errc::conflict: return "conflict";
    case Errc::corrupt: return "corrupt data";
    }
    return "error";
}

} // namespace dmc
