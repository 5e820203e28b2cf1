// Validation of a device's primary superblock: is this block device one of
// the devices of the filesystem being sent?
#pragma once

#include "module/core/platform.h"
#include "module/core/support/result.h"
#include "module/core/support/span.h"

namespace bsend::tree {

// Checks magic, bytenr, checksum, sizes and fsid of the superblock in
// bytes, which was read from offset BSEND_SUPER_OFFSET of a device, and
// returns what it says about the device, its fsid included. An empty
// expected_fsid takes whatever fsid the superblock bears: the caller knows
// the device to be the filesystem's by other means (a mount with a
// temporary fsid, whose devices keep the fsid they were made with).
Result<bsend_device_identity> check_device_super(Bytes bytes, Span<const u8> expected_fsid);

} // namespace bsend::tree
