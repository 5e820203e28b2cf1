#include "tests/unit/dump_tree_text.h"

#include <linux/btrfs_tree.h>
#include <map>
#include <vector>
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

// The words of a detail line after "label " (the first word only).
std::string field(const std::string& details, const std::string& label)
{
	std::string flat = " " + details;
	for (char& c : flat)
		if (c == '\t' || c == '\n')
			c = ' ';
	return word_after(flat, label);
}

std::vector<std::string> split_lines(const std::string& text)
{
	std::vector<std::string> lines;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);)
		lines.push_back(line);
	return lines;
}

std::string after(const std::string& line, const std::string& marker)
{
	size_t at = line.find(marker);
	return at == std::string::npos ? "" : line.substr(at + marker.size());
}

// The decoded fields of one item, as tree_listing.cpp prints them, from
// the detail lines dump-tree prints under the item.
std::string fields_of(unsigned long long type, const std::string& details)
{
	static const std::map<std::string, unsigned long long> file_types = {
		{"FILE", 1}, {"DIR", 2}, {"CHRDEV", 3}, {"BLKDEV", 4},
		{"FIFO", 5}, {"SOCK", 6}, {"SYMLINK", 7}, {"XATTR", 8},
	};
	std::string out;
	std::vector<std::string> lines = split_lines(details);
	switch (type) {
	case BTRFS_INODE_ITEM_KEY:
		return "\t\tinode generation " + field(details, "generation") + " size " + field(details, "size") +
		       " nbytes " + field(details, "nbytes") + " mode " + field(details, "mode") + " links " +
		       field(details, "links") + " uid " + field(details, "uid") + " gid " + field(details, "gid") +
		       " rdev " + field(details, "rdev") + "\n";
	case BTRFS_INODE_REF_KEY:
		for (const std::string& line : lines)
			if (line.find("index ") != std::string::npos)
				out += "\t\tref index " + field(line, "index") + " name " + after(line, "name: ") + "\n";
		return out;
	case BTRFS_DIR_ITEM_KEY:
	case BTRFS_DIR_INDEX_KEY: {
		std::string entry;
		for (const std::string& line : lines) {
			if (line.find("location ") != std::string::npos) {
				size_t open = line.find('(');
				entry = "\t\tdir location " + key_text(line, open) + " type " +
					std::to_string(file_types.at(field(line, "type")));
			} else if (line.find("name: ") != std::string::npos) {
				out += entry + " name " + after(line, "name: ") + "\n";
			}
		}
		return out;
	}
	case BTRFS_EXTENT_DATA_KEY: {
		std::string head = "\t\textent generation " + field(details, "generation");
		if (details.find("inline extent") != std::string::npos)
			return head + " inline size " + field(details, "size") + " ram " + field(details, "ram_bytes") +
			       " compression " + field(details, "compression") + "\n";
		std::string disk, data;
		for (const std::string& line : lines) {
			if (line.find("disk byte") != std::string::npos)
				disk = line;
			else if (line.find("extent data offset") != std::string::npos)
				data = line;
		}
		return head + " type " + field(details, "type") + " disk " + field(disk, "byte") + " nr " +
		       field(disk, "nr") + " offset " + field(data, "offset") + " nr " + field(data, "nr") + " ram " +
		       field(data, "ram") + " compression " + field(details, "compression") + "\n";
	}
	case BTRFS_ROOT_ITEM_KEY: {
		std::string flags = field(details, "flags");
		out = "\t\troot generation " + field(details, "generation") + " bytenr " + field(details, "bytenr") +
		      " level " + field(details, "level") + " flags " + flags.substr(0, flags.find('(')) + " refs " +
		      field(details, "refs");
		if (details.find("ctransid") != std::string::npos)
			out += " uuid " + field(details, "uuid") + " parent " + field(details, "parent_uuid") +
			       " received " + field(details, "received_uuid") + " ctransid " +
			       field(details, "ctransid") + " otransid " + field(details, "otransid");
		return out + "\n";
	}
	default:
		return "";
	}
}

} // namespace

std::string normalise_dump_tree(const std::string& dump)
{
	std::istringstream lines(dump);
	std::string line, out;
	unsigned long long item_type = 0;
	std::string details;
	auto flush_item = [&] {
		if (item_type)
			out += fields_of(item_type, details);
		item_type = 0;
		details.clear();
	};
	while (std::getline(lines, line)) {
		if (item_type && line.rfind("\t\t", 0) == 0) {
			details += line + "\n";
			continue;
		}
		flush_item();
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
			std::string key = key_text(line, line.find('('));
			out += "\titem " + slot + " " + key + " itemoff " + word_after(line, "itemoff") + " itemsize " +
			       word_after(line, "itemsize") + "\n";
			std::istringstream key_words(key.substr(5));
			std::string objectid;
			key_words >> objectid >> item_type;
		} else if (line.rfind("\tkey (", 0) == 0 && line.find(" block ") != std::string::npos) {
			out += "\t" + key_text(line, line.find('(')) + " block " + word_after(line, "block") +
			       " gen " + word_after(line, "gen") + "\n";
		}
	}
	flush_item();
	return out;
}
std::string progs_tree_listing(const std::string& image, unsigned long long tree_id)
{
	return normalise_dump_tree(
		run_command("btrfs inspect-internal dump-tree --dfs -t " + std::to_string(tree_id) + " " + image));
}

} // namespace bsend::test
