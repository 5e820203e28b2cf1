// btrfs inspect-internal dump-tree --dfs output, normalised to the listing
// format of tests/tools/tree_listing.h: names of objectids, key types and
// owners turned back into numbers, lines bsend does not list dropped.
#pragma once

#include <string>

namespace bsend::test {

std::string normalise_dump_tree(const std::string& dump_tree_output);

// dump-tree --dfs -t TREE of the image, normalised.
std::string progs_tree_listing(const std::string& image, unsigned long long tree_id);

} // namespace bsend::test
