// Scratch btrfs images for unit tests, made with mkfs.btrfs at test time.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace bsend::test {

struct ImageOptions {
	ImageOptions(std::string csum_name = "crc32c", unsigned node_size = 16384, bool mixed_groups = false)
		: csum(std::move(csum_name)), nodesize(node_size), mixed(mixed_groups)
	{
	}

	std::string csum;		// mkfs.btrfs --csum
	unsigned nodesize;		// mkfs.btrfs --nodesize
	bool mixed;			// mkfs.btrfs --mixed
	std::string rootdir;		// mkfs.btrfs --rootdir, if not empty
	std::string metadata = "";	// mkfs.btrfs -m PROFILE, if not empty
	uint64_t size = 256ull << 20;	// bytes of the sparse image file
	std::string extra;		// more mkfs.btrfs arguments
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

	// Overwrites bytes at offset of the image file.
	void write(uint64_t offset, const std::vector<uint8_t>& bytes) const;

	// A line's value from `btrfs inspect-internal dump-super`, e.g. "fsid".
	std::string dump_super_field(const std::string& field) const;

private:
	std::string path_;
};

// Runs a shell command and returns its standard output; throws on failure.
std::string run_command(const std::string& command);

// The 16 bytes of a textual uuid such as "4a1c...-...".
std::vector<uint8_t> parse_uuid(const std::string& text);

} // namespace bsend::test
