// A clone done as a copy, for filesystems without reflinks: the bytes of a
// source range land in the destination range, and where the source range
// has holes the destination gets holes, not written zeros.
#pragma once

#include <cstdint>

#include "ctl/result.h"

namespace bsend::test {

// Makes [dst_offset, dst_offset + length) of dst_fd read as
// [src_offset, src_offset + length) of src_fd reads, as BTRFS_IOC_CLONE_RANGE
// would: a length of 0 or one running past the source's end stops at that
// end, and the destination grows to the end of the range if it was shorter.
// The two ranges may not overlap within one file. Returns the bytes copied
// (data, not holes).
sendctl::Result<uint64_t> copy_range_keeping_holes(int src_fd, uint64_t src_offset, int dst_fd,
						   uint64_t dst_offset, uint64_t length);

} // namespace bsend::test
