// One filesystem of an image file opened on an image host, with an empty
// block cache of its own, for the tests that read trees.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "module/core/tree/filesystem.h"
#include "module/core/tree/subvolume.h"
#include "module/posix/image.h"

namespace bsend::test {

// The filesystem of an image, opened with an empty block cache of 8 MiB.
struct OpenedFs {
	explicit OpenedFs(const std::string& path)
	{
		EXPECT_EQ(host.open(path), 0);
		auto opened = tree::Filesystem::open(host.host(), 8 << 20);
		EXPECT_TRUE(opened.is_ok()) << (opened.is_ok() ? "" : opened.error().cause);
		if (opened.is_ok())
			fs = opened.release_value();
	}
	tree::TreeRoot root(u64 tree_id)
	{
		auto root = fs->tree_root(tree_id);
		EXPECT_TRUE(root.is_ok()) << tree_id;
		return root.is_ok() ? root.value() : tree::TreeRoot{};
	}
	// The id of the subvolume with this name, among the first few.
	u64 subvolume(const std::string& name)
	{
		for (u64 id = BTRFS_FIRST_FREE_OBJECTID; id < BTRFS_FIRST_FREE_OBJECTID + 8; id++) {
			Vec<char> found;
			if (tree::read_subvolume_name(*fs, id, &found).is_ok() &&
			    std::string(found.data(), found.size()) == name)
				return id;
		}
		ADD_FAILURE() << "no subvolume " << name;
		return 0;
	}

	posix::ImageHost host;
	UniquePtr<tree::Filesystem> fs;
};

} // namespace bsend::test
