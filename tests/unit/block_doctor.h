// Doctored images for the tests of what the reader refuses: one tree block
// of an image changed in place, in every copy the chunk map gives, with its
// crc32c checksum made right again, so that the block still passes the
// checks of a single block and only what spans blocks can find the change.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "module/core/tree/filesystem.h"

namespace bsend::test {

// Calls edit on the bytes of the block at bytenr (fs is the filesystem of
// the image file at image_path, opened, for its chunk map and node size),
// then writes them back to each copy with a new checksum. The fs's block
// cache may hold the old block: open the image again to read the new one.
void rewrite_block(const std::string& image_path, tree::Filesystem& fs, uint64_t bytenr,
		   const std::function<void(std::vector<uint8_t>& block)>& edit);

// The item array and the pointer array of a block's bytes.
btrfs_item* leaf_items(std::vector<uint8_t>& block);
btrfs_key_ptr* node_pointers(std::vector<uint8_t>& block);
btrfs_header* block_header(std::vector<uint8_t>& block);

} // namespace bsend::test
