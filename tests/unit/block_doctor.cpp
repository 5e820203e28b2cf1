#include "tests/unit/block_doctor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "module/core/platform.h"

namespace bsend::test {

void rewrite_block(const std::string& image_path, tree::Filesystem& fs, uint64_t bytenr,
		   const std::function<void(std::vector<uint8_t>& block)>& edit)
{
	u32 nodesize = fs.super().nodesize;
	auto mapping = fs.map(bytenr, nodesize);
	ASSERT_TRUE(mapping.is_ok()) << "no chunk maps bytenr " << bytenr;
	int fd = open(image_path.c_str(), O_RDWR);
	ASSERT_GE(fd, 0) << image_path;
	for (u32 c = 0; c < mapping.value().num_copies; c++) {
		off_t at = static_cast<off_t>(mapping.value().copies[c].physical);
		std::vector<uint8_t> block(nodesize);
		ASSERT_EQ(pread(fd, block.data(), nodesize, at), static_cast<ssize_t>(nodesize));
		edit(block);
		bsend_host_checksum(BSEND_CSUM_CRC32C, block.data() + BTRFS_CSUM_SIZE, nodesize - BTRFS_CSUM_SIZE,
				    block.data());
		ASSERT_EQ(pwrite(fd, block.data(), nodesize, at), static_cast<ssize_t>(nodesize));
	}
	close(fd);
}

btrfs_header* block_header(std::vector<uint8_t>& block) { return reinterpret_cast<btrfs_header*>(block.data()); }

btrfs_item* leaf_items(std::vector<uint8_t>& block)
{
	return reinterpret_cast<btrfs_item*>(block.data() + sizeof(btrfs_header));
}

btrfs_key_ptr* node_pointers(std::vector<uint8_t>& block)
{
	return reinterpret_cast<btrfs_key_ptr*>(block.data() + sizeof(btrfs_header));
}

} // namespace bsend::test
