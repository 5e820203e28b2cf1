// Validation of a device's primary superblock: is this block device one of
// the devices of the filesystem being sent?
#pragma once

#include "module/core/platform.h"
#include "module/core/support/result.h"
#include "module/core/support/span.h"

namespace bsend::tree {

// Checks magic, bytenr, checksum, sizes and fsid of the superblock in
// bytes, which was read from offset BSEND_SUPER_OFFSET of a device, and
// returns what it says about the device.
Result<bsend_device_identity> check_device_super(Bytes bytes, Span<const u8> expected_fsid);

} // namespace bsend::tree
