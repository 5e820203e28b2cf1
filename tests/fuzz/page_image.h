// The fuzzers' input: a sparse filesystem image as a list of 4 KiB pages,
// each record an 8-byte little-endian byte offset followed by the page.
// Pages not listed read as zeros. Seeds come from mkfs.btrfs images with
// 4 KiB nodes (bsend-fuzz-seed), so each tree block is one page.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "module/posix/host_fs.h"

namespace bsend::fuzz {

constexpr size_t kPageSize = 4096;

class PageImage {
public:
	// Parses records; a trailing partial record is ignored.
	PageImage(const uint8_t* data, size_t size);

	// Rewrites the checksum of the superblock and of every page that looks
	// like a tree block of this filesystem (crc32c only), so that mutated
	// contents reach the parsers behind the checksum checks.
	void fix_checksums();

	bsend_host_fs* host() { return &state_.base; }

	// The record list of an image file's non-zero pages.
	static std::string records_of_file(const std::string& path);

private:
	struct State {
		bsend_host_fs base;
		PageImage* image;
	};
	static int read(bsend_host_fs* self, uint64_t devid, uint64_t physical, void* buf, size_t len);

	std::map<uint64_t, std::vector<uint8_t>> pages_;	// by page index
	State state_{{&PageImage::read}, this};
};

} // namespace bsend::fuzz
