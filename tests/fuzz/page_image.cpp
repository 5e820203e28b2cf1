#include "tests/fuzz/page_image.h"

#include <cstring>
#include <fstream>
#include <linux/btrfs_tree.h>

#include "module/core/support/endian.h"

namespace bsend::fuzz {

PageImage::PageImage(const uint8_t* data, size_t size)
{
	for (size_t at = 0; at + 8 + kPageSize <= size; at += 8 + kPageSize) {
		uint64_t offset = load_le64(data + at);
		pages_[offset / kPageSize].assign(data + at + 8, data + at + 8 + kPageSize);
	}
}

void PageImage::fix_checksums()
{
	auto super = pages_.find(BSEND_SUPER_OFFSET / kPageSize);
	if (super == pages_.end())
		return;
	const uint8_t* fsid = super->second.data() + offsetof(btrfs_super_block, fsid);
	for (auto& [index, page] : pages_) {
		bool is_super = index == BSEND_SUPER_OFFSET / kPageSize;
		bool is_block = std::memcmp(page.data() + offsetof(btrfs_header, fsid), fsid, BTRFS_FSID_SIZE) == 0;
		if (!is_super && !is_block)
			continue;
		uint8_t digest[BSEND_CSUM_MAX] = {};
		bsend_host_checksum(BSEND_CSUM_CRC32C, page.data() + BTRFS_CSUM_SIZE, kPageSize - BTRFS_CSUM_SIZE,
				    digest);
		std::memcpy(page.data(), digest, 4);
	}
}

int PageImage::read(bsend_host_fs* self, uint64_t, uint64_t physical, void* buf, size_t len)
{
	PageImage* image = reinterpret_cast<State*>(self)->image;
	auto* out = static_cast<uint8_t*>(buf);
	for (size_t done = 0; done < len;) {
		uint64_t at = physical + done;
		size_t in_page = at % kPageSize;
		size_t chunk = std::min(len - done, kPageSize - in_page);
		auto page = image->pages_.find(at / kPageSize);
		if (page == image->pages_.end())
			std::memset(out + done, 0, chunk);
		else
			std::memcpy(out + done, page->second.data() + in_page, chunk);
		done += chunk;
	}
	return 0;
}

std::string PageImage::records_of_file(const std::string& path)
{
	std::ifstream in(path, std::ios::binary);
	std::string records;
	std::vector<char> page(kPageSize);
	for (uint64_t offset = 0; in.read(page.data(), kPageSize); offset += kPageSize) {
		bool zero = true;
		for (char c : page)
			zero = zero && c == 0;
		if (zero)
			continue;
		uint8_t header[8];
		store_le64(header, offset);
		records.append(reinterpret_cast<char*>(header), 8);
		records.append(page.data(), kPageSize);
	}
	return records;
}

} // namespace bsend::fuzz
