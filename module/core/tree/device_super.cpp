#include "module/core/tree/device_super.h"

#include "module/core/format/superblock.h"
#include "module/core/support/bytes.h"
#include "module/core/support/errno.h"

namespace bsend::tree {

namespace {

bool is_power_of_two(u32 value) { return value && !(value & (value - 1)); }

Result<void> check_checksum(const format::SuperblockView& super)
{
	u8 digest[BSEND_CSUM_MAX];
	Bytes covered = super.checksummed();
	int length = bsend_host_checksum(static_cast<bsend_csum_type>(super.csum_type()),
					 covered.data(), covered.size(), digest);
	if (length < 0)
		return Error::make(-length, "cannot compute the superblock checksum")
			.at_bytenr(BSEND_SUPER_OFFSET);
	if (!bytes_equal(digest, super.stored_csum(), static_cast<usize>(length)))
		return Error::make(err::kCorrupt, "superblock checksum mismatch")
			.at_bytenr(BSEND_SUPER_OFFSET)
			.mismatch(load_le32(super.stored_csum()), load_le32(digest));
	return {};
}

} // namespace

Result<bsend_device_identity> check_device_super(Bytes bytes, Span<const u8> expected_fsid)
{
	auto super = TRY(format::SuperblockView::over(bytes));
	if (super.magic() != BTRFS_MAGIC)
		return Error::make(err::kCrossDevice, "no btrfs superblock magic on device")
			.at_bytenr(BSEND_SUPER_OFFSET)
			.mismatch(BTRFS_MAGIC, super.magic());
	if (super.bytenr() != BSEND_SUPER_OFFSET)
		return Error::make(err::kCorrupt, "primary superblock records a wrong bytenr")
			.at_bytenr(BSEND_SUPER_OFFSET)
			.mismatch(BSEND_SUPER_OFFSET, super.bytenr());
	if (super.csum_type() > BSEND_CSUM_BLAKE2B)
		return Error::make(err::kNotSupported, "unknown superblock checksum type")
			.at_bytenr(BSEND_SUPER_OFFSET)
			.mismatch(BSEND_CSUM_BLAKE2B, super.csum_type());
	TRY(check_checksum(super));
	if (!is_power_of_two(super.sectorsize()) || super.sectorsize() < 4096 ||
	    super.sectorsize() > BTRFS_MAX_METADATA_BLOCKSIZE)
		return Error::make(err::kCorrupt, "superblock sectorsize out of range")
			.at_bytenr(BSEND_SUPER_OFFSET)
			.mismatch(4096, super.sectorsize());
	if (!is_power_of_two(super.nodesize()) || super.nodesize() < super.sectorsize() ||
	    super.nodesize() > BTRFS_MAX_METADATA_BLOCKSIZE)
		return Error::make(err::kCorrupt, "superblock nodesize out of range")
			.at_bytenr(BSEND_SUPER_OFFSET)
			.mismatch(super.sectorsize(), super.nodesize());
	if (!expected_fsid.empty() &&
	    (expected_fsid.size() != format::SuperblockView::kFsidSize ||
	     !bytes_equal(super.fsid(), expected_fsid.data(), format::SuperblockView::kFsidSize)))
		return Error::make(err::kCrossDevice, "device belongs to another btrfs filesystem")
			.at_bytenr(BSEND_SUPER_OFFSET);

	bsend_device_identity identity = {};
	identity.devid = super.devid();
	identity.num_devices = super.num_devices();
	identity.generation = super.generation();
	identity.csum_type = super.csum_type();
	identity.nodesize = super.nodesize();
	identity.sectorsize = super.sectorsize();
	copy_bytes(identity.fsid, super.fsid(), format::SuperblockView::kFsidSize);
	return identity;
}

} // namespace bsend::tree
