#include "tests/unit/dump_tree_text.h"

#include <map>
#include <sstream>
#include <stdexcept>

#include "tests/unit/test_image.h"

namespace bsend::test {

namespace {

// btrfs-progs' names for objectids and key types (print-tree.c).
const std::map<std::string, unsigned long long>& objectid_names()
{
	static const std::map<std::string, unsigned long long> names = {
		{"ROOT_TREE", 1}, {"EXTENT_TREE", 2}, {"CHUNK_TREE", 3}, {"DEV_TREE", 4},
		{"FS_TREE", 5}, {"ROOT_TREE_DIR", 6}, {"CSUM_TREE", 7}, {"QUOTA_TREE", 8},
		{"UUID_TREE", 9}, {"FREE_SPACE_TREE", 10}, {"BLOCK_GROUP_TREE", 11},
		{"RAID_STRIPE_TREE", 12}, {"DEV_STATS", 0}, {"BALANCE", -4ull}, {"ORPHAN", -5ull},
		{"TREE_LOG", -6ull}, {"TREE_LOG_FIXUP", -7ull}, {"TREE_RELOC", -8ull},
		{"DATA_RELOC_TREE", -9ull}, {"EXTENT_CSUM", -10ull}, {"FREE_SPACE", -11ull},
		{"FREE_INO", -12ull}, {"MULTIPLE", -255ull}, {"FIRST_CHUNK_TREE", 256}, {"DEV_ITEMS", 1},
	};
	return names;
}

const std::map<std::string, unsigned long long>& type_names()
{
	static const std::map<std::string, unsigned long long> names = {
		{"INODE_ITEM", 1}, {"INODE_REF", 12}, {"INODE_EXTREF", 13}, {"XATTR_ITEM", 24},
		{"VERITY_DESC_ITEM", 36}, {"VERITY_MERKLE_ITEM", 37}, {"ORPHAN_ITEM", 48},
		{"DIR_LOG_ITEM", 60}, {"DIR_LOG_INDEX", 72}, {"DIR_ITEM", 84}, {"DIR_INDEX", 96},
		{"EXTENT_DATA", 108}, {"EXTENT_CSUM", 128}, {"ROOT_ITEM", 132}, {"ROOT_BACKREF", 144},
		{"ROOT_REF", 156}, {"EXTENT_ITEM", 168}, {"METADATA_ITEM", 169},
		{"EXTENT_OWNER_REF", 172}, {"TREE_BLOCK_REF", 176}, {"EXTENT_DATA_REF", 178},
		{"SHARED_BLOCK_REF", 182}, {"SHARED_DATA_REF", 184}, {"BLOCK_GROUP_ITEM", 192},
		{"FREE_SPACE_INFO", 198}, {"FREE_SPACE_EXTENT", 199}, {"FREE_SPACE_BITMAP", 200},
		{"DEV_EXTENT", 204}, {"DEV_ITEM", 216}, {"CHUNK_ITEM", 228}, {"RAID_STRIPE", 230},
		{"QGROUP_STATUS", 240}, {"QGROUP_INFO", 242}, {"QGROUP_LIMIT", 244},
		{"QGROUP_RELATION", 246}, {"TEMPORARY_ITEM", 248}, {"PERSISTENT_ITEM", 249},
		{"DEV_REPLACE", 250}, {"UUID_KEY_SUBVOL", 251}, {"UUID_KEY_RECEIVED_SUBVOL", 252},
		{"STRING_ITEM", 253},
	};
	return names;
}

unsigned long long number(const std::string& token, const std::map<std::string, unsigned long long>& names)
{
	auto named = names.find(token);
	if (named != names.end())
		return named->second;
	if (token.rfind("UNKNOWN.", 0) == 0)
		return std::stoull(token.substr(8));
	size_t slash = token.find('/');
	if (slash != std::string::npos)	// qgroup ids print as level/id
		return (std::stoull(token.substr(0, slash)) << 48) | std::stoull(token.substr(slash + 1));
	if (token == "-1")
		return ~0ull;
	return std::stoull(token, nullptr, 0);
}

// "(A B C)" starting at text[at] into "key (a b c)" with numbers.
std::string key_text(const std::string& line, size_t open)
{
	size_t close = line.find(')', open);
	std::istringstream in(line.substr(open + 1, close - open - 1));
	std::string objectid, type, offset;
	in >> objectid >> type >> offset;
	return "key (" + std::to_string(number(objectid, objectid_names())) + " " +
	       std::to_string(number(type, type_names())) + " " + std::to_string(number(offset, {})) + ")";
}

std::string word_after(const std::string& line, const std::string& label)
{
	size_t at = line.find(" " + label + " ");
	if (at == std::string::npos)
		throw std::runtime_error("dump-tree line lacks " + label + ": " + line);
	std::istringstream in(line.substr(at + label.size() + 2));
	std::string word;
	in >> word;
	return word;
}

} // namespace

std::string normalise_dump_tree(const std::string& dump)
{
	std::istringstream lines(dump);
	std::string line, out;
	while (std::getline(lines, line)) {
		bool node = line.rfind("node ", 0) == 0, leaf = line.rfind("leaf ", 0) == 0;
		if ((node || leaf) && line.find(" items ") != std::string::npos) {
			std::istringstream in(line.substr(5));
			std::string bytenr;
			in >> bytenr;
			out += (node ? "node " : "leaf ") + bytenr + " level " +
			       (node ? word_after(line, "level") : "0") + " items " + word_after(line, "items") +
			       " generation " + word_after(line, "generation") + " owner " +
			       std::to_string(number(word_after(line, "owner"), objectid_names())) + "\n";
		} else if (line.rfind("\titem ", 0) == 0 && line.find(" key (") != std::string::npos) {
			std::istringstream in(line.substr(6));
			std::string slot;
			in >> slot;
			out += "\titem " + slot + " " + key_text(line, line.find('(')) + " itemoff " +
			       word_after(line, "itemoff") + " itemsize " + word_after(line, "itemsize") + "\n";
		} else if (line.rfind("\tkey (", 0) == 0 && line.find(" block ") != std::string::npos) {
			out += "\t" + key_text(line, line.find('(')) + " block " + word_after(line, "block") +
			       " gen " + word_after(line, "gen") + "\n";
		}
	}
	return out;
}

std::string progs_tree_listing(const std::string& image, unsigned long long tree_id)
{
	return normalise_dump_tree(
		run_command("btrfs inspect-internal dump-tree --dfs -t " + std::to_string(tree_id) + " " + image));
}

} // namespace bsend::test
