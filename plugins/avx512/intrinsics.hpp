// SPDX-License-Identifier: Apache-2.0
//
// <immintrin.h> for the kernel files. GCC 12 warns that the "undefined"
// pass-through operand inside many AVX-512 intrinsics (vprord, unpack,
// extract, broadcast...) is uninitialized (GCC bug 105593, fixed in GCC 13).
// The warning is located in the compiler's header, so it is silenced there,
// and only there: include this header before anything that includes
// <immintrin.h>.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
