// The btrfs on-disk format, from the kernel's uapi headers: the definition
// of the format, never re-typed here. The engine reads the structs only
// through offsets (see superblock.h and friends), never by casting bytes.
#pragma once

#include <linux/btrfs_tree.h>
