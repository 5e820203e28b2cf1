// Scratch btrfs images for unit tests, made with mkfs.btrfs at test time.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace bsend::test {

struct ImageOptions {
	std::string csum = "crc32c";	// mkfs.btrfs --csum
	unsigned nodesize = 16384;	// mkfs.btrfs --nodesize
	bool mixed = false;		// mkfs.btrfs --mixed
};

// For GoogleTest's parameter names in test output.
inline void PrintTo(const ImageOptions& options, std::ostream* out)
{
	*out << options.csum << " nodesize " << options.nodesize << (options.mixed ? " mixed" : "");
}

// A sparse image file holding a fresh filesystem; deleted on destruction.
class TestImage {
public:
	explicit TestImage(const ImageOptions& options);
	~TestImage();
	TestImage(const TestImage&) = delete;
	TestImage& operator=(const TestImage&) = delete;

	const std::string& path() const { return path_; }

	// Bytes [offset, offset + length) of the image file.
	std::vector<uint8_t> read(uint64_t offset, size_t length) const;

	// A line's value from `btrfs inspect-internal dump-super`, e.g. "fsid".
	std::string dump_super_field(const std::string& field) const;

private:
	std::string path_;
};

// The 16 bytes of a textual uuid such as "4a1c...-...".
std::vector<uint8_t> parse_uuid(const std::string& text);

} // namespace bsend::test
