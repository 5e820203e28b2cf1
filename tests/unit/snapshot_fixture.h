// A GoogleTest suite over the snapshot fixture (tests/fixtures/
// snapshots-4k.btrfs-image: subvolume "vol" and its read-only snapshots
// "snap1" and "snap2", sharing blocks), restored once per suite into a
// temporary file at *path. Each test must free all it allocated.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <unistd.h>

#include "module/posix/alloc.h"
#include "tests/unit/test_image.h"

namespace bsend::test {

class SnapshotFixtureTest : public testing::Test {
protected:
	static void SetUpTestSuite()
	{
		char name[] = "/tmp/bsend-test-snapshots-XXXXXX";
		int fd = mkstemp(name);
		ASSERT_GE(fd, 0);
		close(fd);
		path = new std::string(name);
		run_command(std::string("btrfs-image -r ") + BSEND_SOURCE_DIR +
			    "/tests/fixtures/snapshots-4k.btrfs-image " + *path + " 2>&1");
	}
	static void TearDownTestSuite()
	{
		unlink(path->c_str());
		delete path;
		path = nullptr;
	}
	void TearDown() override { EXPECT_EQ(posix::allocations_outstanding(), 0); }

	static inline std::string* path = nullptr;	// the restored image
};

} // namespace bsend::test
