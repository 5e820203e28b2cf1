// A text listing of one tree as bsend's reader sees it: every block in
// dump-tree --dfs order with numeric keys. Shared by bsend-dump-tree and the
// unit tests that compare it with btrfs inspect-internal dump-tree.
#pragma once

#include <string>

#include "module/core/tree/filesystem.h"

namespace bsend::test {

// Appends the listing to *out; returns the walk's result.
Result<void> list_tree(tree::Filesystem& fs, const tree::TreeRoot& root, std::string* out);

} // namespace bsend::test
