#include "ctl/dump_format.h"

#include <time.h>

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "ctl/stream_schema.h"
#include "ctl/uuid.h"
#include "uapi/bsend_stream.h"

namespace sendctl {
namespace {

using stream::Command;

// btrfs-progs' path_cat: p1 "/" p2, each without one trailing slash.
std::string path_cat(std::string_view p1, std::string_view p2)
{
	if (!p1.empty() && p1.back() == '/')
		p1.remove_suffix(1);
	if (!p2.empty() && p2.back() == '/')
		p2.remove_suffix(1);
	return std::string(p1) + "/" + std::string(p2);
}

std::string octal(uint64_t value)
{
	char text[32];
	std::snprintf(text, sizeof(text), "%" PRIo64, value);
	return text;
}

std::string hex(uint64_t value)
{
	char text[32];
	std::snprintf(text, sizeof(text), "0x%" PRIx64, value);
	return text;
}

std::string text(const Command &command, uint16_t attribute)
{
	return std::string(command.bytes(attribute));
}

std::string number(const Command &command, uint16_t attribute)
{
	return std::to_string(command.u64(attribute));
}

// The name padded to 16 columns, the escaped path, and when attributes
// follow, padding to column 48 (at least one space) and the attributes.
std::string line(const char *name, const std::string &path,
		 const std::string &attributes)
{
	std::string out = name;
	if (out.size() < 16)
		out.resize(16, ' ');
	std::string escaped = dump_escape(path);
	out += escaped;
	if (attributes.empty())
		return out;
	size_t width = escaped.size();
	do
		out += ' ';
	while (++width < 32);
	return out + attributes;
}

}  // namespace

std::string dump_escape(std::string_view text)
{
	std::string out;
	out.reserve(text.size());
	for (char c : text) {
		switch (c) {
		case '\a': out += "\\a"; break;
		case '\b': out += "\\b"; break;
		case '\x1b': out += "\\e"; break;
		case '\f': out += "\\f"; break;
		case '\n': out += "\\n"; break;
		case '\r': out += "\\r"; break;
		case '\t': out += "\\t"; break;
		case '\v': out += "\\v"; break;
		case ' ': out += "\\ "; break;
		case '\\': out += "\\\\"; break;
		default: {
			auto byte = static_cast<unsigned char>(c);
			if (byte < 0x80 && std::isprint(byte)) {
				out += c;
			} else {
				out += '\\';
				out += static_cast<char>('0' + ((byte >> 6) & 7));
				out += static_cast<char>('0' + ((byte >> 3) & 7));
				out += static_cast<char>('0' + (byte & 7));
			}
		}
		}
	}
	return out;
}

std::string dump_time(const stream::Timespec &time)
{
	time_t seconds = static_cast<time_t>(time.seconds);
	struct tm tm;
	char text[64];
	if (!localtime_r(&seconds, &tm) ||
	    std::strftime(text, sizeof(text), "%FT%T%z", &tm) == 0)
		return std::to_string(time.seconds) + "." +
		       std::to_string(time.nanoseconds);
	return text;
}

std::string DumpFormatter::format(const Command &command)
{
	// Paths below the subvolume, as receive resolves them.
	auto full = [this](const std::string &path) {
		return path_cat(subvolume_path_, path);
	};
	std::string path = text(command, BSEND_SEND_A_PATH);

	switch (command.number()) {
	case BSEND_SEND_C_SUBVOL:
		subvolume_path_ = path_cat(".", path);
		return line("subvol", subvolume_path_,
			    "uuid=" + uuid_text(command.uuid(BSEND_SEND_A_UUID)) +
				    " transid=" + number(command, BSEND_SEND_A_CTRANSID));
	case BSEND_SEND_C_SNAPSHOT:
		subvolume_path_ = path_cat(".", path);
		return line("snapshot", subvolume_path_,
			    "uuid=" + uuid_text(command.uuid(BSEND_SEND_A_UUID)) +
				    " transid=" + number(command, BSEND_SEND_A_CTRANSID) +
				    " parent_uuid=" +
				    uuid_text(command.uuid(BSEND_SEND_A_CLONE_UUID)) +
				    " parent_transid=" +
				    number(command, BSEND_SEND_A_CLONE_CTRANSID));
	case BSEND_SEND_C_MKFILE:
		return line("mkfile", full(path), "");
	case BSEND_SEND_C_MKDIR:
		return line("mkdir", full(path), "");
	case BSEND_SEND_C_MKNOD:
		return line("mknod", full(path),
			    "mode=" + octal(command.u64(BSEND_SEND_A_MODE)) +
				    " dev=" + hex(command.u64(BSEND_SEND_A_RDEV)));
	case BSEND_SEND_C_MKFIFO:
		return line("mkfifo", full(path), "");
	case BSEND_SEND_C_MKSOCK:
		return line("mksock", full(path), "");
	case BSEND_SEND_C_SYMLINK:
		return line("symlink", full(path),
			    "dest=" + dump_escape(command.bytes(BSEND_SEND_A_PATH_LINK)));
	case BSEND_SEND_C_RENAME:
		return line("rename", full(path),
			    "dest=" + dump_escape(full(text(command, BSEND_SEND_A_PATH_TO))));
	case BSEND_SEND_C_LINK:
		return line("link", full(path),
			    "dest=" + dump_escape(command.bytes(BSEND_SEND_A_PATH_LINK)));
	case BSEND_SEND_C_UNLINK:
		return line("unlink", full(path), "");
	case BSEND_SEND_C_RMDIR:
		return line("rmdir", full(path), "");
	case BSEND_SEND_C_SET_XATTR: {
		std::string_view data = command.bytes(BSEND_SEND_A_XATTR_DATA);
		return line("set_xattr", full(path),
			    "name=" + dump_escape(command.bytes(BSEND_SEND_A_XATTR_NAME)) +
				    " " + dump_escape(data) +
				    " len=" + std::to_string(data.size()));
	}
	case BSEND_SEND_C_REMOVE_XATTR:
		return line("remove_xattr", full(path),
			    "name=" + dump_escape(command.bytes(BSEND_SEND_A_XATTR_NAME)));
	case BSEND_SEND_C_WRITE:
		return line("write", full(path),
			    "offset=" + number(command, BSEND_SEND_A_FILE_OFFSET) +
				    " len=" +
				    std::to_string(command.bytes(BSEND_SEND_A_DATA).size()));
	case BSEND_SEND_C_CLONE:
		return line("clone", full(path),
			    "offset=" + number(command, BSEND_SEND_A_FILE_OFFSET) +
				    " len=" + number(command, BSEND_SEND_A_CLONE_LEN) +
				    " from=" + dump_escape(full(text(command, BSEND_SEND_A_CLONE_PATH))) +
				    " clone_offset=" +
				    number(command, BSEND_SEND_A_CLONE_OFFSET));
	case BSEND_SEND_C_TRUNCATE:
		return line("truncate", full(path),
			    "size=" + number(command, BSEND_SEND_A_SIZE));
	case BSEND_SEND_C_CHMOD:
		return line("chmod", full(path),
			    "mode=" + octal(command.u64(BSEND_SEND_A_MODE)));
	case BSEND_SEND_C_CHOWN:
		return line("chown", full(path),
			    "gid=" + number(command, BSEND_SEND_A_GID) +
				    " uid=" + number(command, BSEND_SEND_A_UID));
	case BSEND_SEND_C_UTIMES:
		return line("utimes", full(path),
			    "atime=" + dump_time(command.timespec(BSEND_SEND_A_ATIME)) +
				    " mtime=" +
				    dump_time(command.timespec(BSEND_SEND_A_MTIME)) +
				    " ctime=" +
				    dump_time(command.timespec(BSEND_SEND_A_CTIME)));
	case BSEND_SEND_C_UPDATE_EXTENT:
		return line("update_extent", full(path),
			    "offset=" + number(command, BSEND_SEND_A_FILE_OFFSET) +
				    " len=" + number(command, BSEND_SEND_A_SIZE));
	case BSEND_SEND_C_FALLOCATE:
		return line("fallocate", full(path),
			    "mode=" + std::to_string(static_cast<int>(command.u32(BSEND_SEND_A_FALLOCATE_MODE))) +
				    " offset=" + number(command, BSEND_SEND_A_FILE_OFFSET) +
				    " len=" + number(command, BSEND_SEND_A_SIZE));
	case BSEND_SEND_C_FILEATTR:
		// btrfs receive --dump prints the flags in decimal after "0x".
		return line("fileattr", full(path), "fileattr=0x" + number(command, BSEND_SEND_A_FILEATTR));
	case BSEND_SEND_C_ENCODED_WRITE:
		return line("encoded_write", full(path),
			    "offset=" + number(command, BSEND_SEND_A_FILE_OFFSET) +
				    " len=" + std::to_string(command.bytes(BSEND_SEND_A_DATA).size()) +
				    " unencoded_file_len=" + number(command, BSEND_SEND_A_UNENCODED_FILE_LEN) +
				    " unencoded_len=" + number(command, BSEND_SEND_A_UNENCODED_LEN) +
				    " unencoded_offset=" + number(command, BSEND_SEND_A_UNENCODED_OFFSET) +
				    " compression=" + std::to_string(command.u32(BSEND_SEND_A_COMPRESSION)) +
				    " encryption=" + std::to_string(command.u32(BSEND_SEND_A_ENCRYPTION)));
	case BSEND_SEND_C_END:
		return "";
	}
	// The reader refuses commands v1 and v2 do not define; should one
	// appear anyway, name it rather than drop it.
	const char *name = stream::command_name(command.number());
	return line(name ? name : "unknown", full(path), "");
}

Status dump_stream(int fd, std::ostream &out)
{
	stream::StreamReader reader(fd);
	DumpFormatter formatter;
	for (;;) {
		auto next = reader.next();
		if (!next.ok())
			return next.error();
		if (!next.value())
			return success();
		std::string text = formatter.format(*next.value());
		if (!text.empty())
			out << text << '\n';
	}
}

}  // namespace sendctl
