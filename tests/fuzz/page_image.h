// The image fuzzers' input: a sparse filesystem image as a list of 4 KiB
// pages, each with the zeros of its longest run of zeros left out, so that
// a mostly empty tree block costs a few hundred bytes. A record is
//
//	le64 byte offset of the page, le16 head, le16 tail,
//	head bytes (the page's start), tail bytes (the page's end)
//
// and the bytes between head and tail read as zeros, as do pages not
// listed. Seeds come from btrfs images with 4 KiB nodes (bsend-fuzz-seed),
// so each tree block is one page.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "module/posix/host_fs.h"

namespace bsend::fuzz {

constexpr size_t kPageSize = 4096;
constexpr size_t kRecordHeaderSize = 12;

class PageImage {
public:
	// Parses records; a trailing partial record is ignored, and a head or
	// tail longer than the page is cut to it.
	PageImage(const uint8_t* data, size_t size);

	// Rewrites the checksum of the superblock and of every page that looks
	// like a tree block of this filesystem (crc32c only), so that mutated
	// contents reach the parsers behind the checksum checks.
	void fix_checksums();

	bsend_host_fs* host() { return &state_.base; }

	// The record of one page found at offset.
	static std::string record_of_page(uint64_t offset, const uint8_t* page);

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
