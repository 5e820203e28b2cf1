#include "ctl/stream_schema.h"

#include "uapi/bsend_stream.h"

namespace sendctl::stream {

namespace {

struct CommandSchema {
	uint16_t number;
	const char* name;
	uint16_t required[8];	// ends with BSEND_SEND_A_UNSPEC
};

struct AttributeSchema {
	uint16_t number;
	const char* name;
	AttributeKind kind;
};

// The v1 and v2 commands, with what btrfs receive reads of each.
const CommandSchema kCommands[] = {
	{BSEND_SEND_C_SUBVOL, "SUBVOL", {BSEND_SEND_A_PATH, BSEND_SEND_A_UUID, BSEND_SEND_A_CTRANSID}},
	{BSEND_SEND_C_SNAPSHOT, "SNAPSHOT",
		{BSEND_SEND_A_PATH, BSEND_SEND_A_UUID, BSEND_SEND_A_CTRANSID,
		BSEND_SEND_A_CLONE_UUID, BSEND_SEND_A_CLONE_CTRANSID}},
	{BSEND_SEND_C_MKFILE, "MKFILE", {BSEND_SEND_A_PATH, BSEND_SEND_A_INO}},
	{BSEND_SEND_C_MKDIR, "MKDIR", {BSEND_SEND_A_PATH, BSEND_SEND_A_INO}},
	{BSEND_SEND_C_MKNOD, "MKNOD",
		{BSEND_SEND_A_PATH, BSEND_SEND_A_INO, BSEND_SEND_A_MODE, BSEND_SEND_A_RDEV}},
	{BSEND_SEND_C_MKFIFO, "MKFIFO", {BSEND_SEND_A_PATH, BSEND_SEND_A_INO}},
	{BSEND_SEND_C_MKSOCK, "MKSOCK", {BSEND_SEND_A_PATH, BSEND_SEND_A_INO}},
	{BSEND_SEND_C_SYMLINK, "SYMLINK", {BSEND_SEND_A_PATH, BSEND_SEND_A_INO, BSEND_SEND_A_PATH_LINK}},
	{BSEND_SEND_C_RENAME, "RENAME", {BSEND_SEND_A_PATH, BSEND_SEND_A_PATH_TO}},
	{BSEND_SEND_C_LINK, "LINK", {BSEND_SEND_A_PATH, BSEND_SEND_A_PATH_LINK}},
	{BSEND_SEND_C_UNLINK, "UNLINK", {BSEND_SEND_A_PATH}},
	{BSEND_SEND_C_RMDIR, "RMDIR", {BSEND_SEND_A_PATH}},
	{BSEND_SEND_C_SET_XATTR, "SET_XATTR",
		{BSEND_SEND_A_PATH, BSEND_SEND_A_XATTR_NAME, BSEND_SEND_A_XATTR_DATA}},
	{BSEND_SEND_C_REMOVE_XATTR, "REMOVE_XATTR", {BSEND_SEND_A_PATH, BSEND_SEND_A_XATTR_NAME}},
	{BSEND_SEND_C_WRITE, "WRITE", {BSEND_SEND_A_PATH, BSEND_SEND_A_FILE_OFFSET, BSEND_SEND_A_DATA}},
	{BSEND_SEND_C_CLONE, "CLONE",
		{BSEND_SEND_A_PATH, BSEND_SEND_A_FILE_OFFSET, BSEND_SEND_A_CLONE_LEN,
		BSEND_SEND_A_CLONE_UUID, BSEND_SEND_A_CLONE_CTRANSID, BSEND_SEND_A_CLONE_PATH,
		BSEND_SEND_A_CLONE_OFFSET}},
	{BSEND_SEND_C_TRUNCATE, "TRUNCATE", {BSEND_SEND_A_PATH, BSEND_SEND_A_SIZE}},
	{BSEND_SEND_C_CHMOD, "CHMOD", {BSEND_SEND_A_PATH, BSEND_SEND_A_MODE}},
	{BSEND_SEND_C_CHOWN, "CHOWN", {BSEND_SEND_A_PATH, BSEND_SEND_A_UID, BSEND_SEND_A_GID}},
	{BSEND_SEND_C_UTIMES, "UTIMES",
		{BSEND_SEND_A_PATH, BSEND_SEND_A_ATIME, BSEND_SEND_A_MTIME, BSEND_SEND_A_CTIME}},
	{BSEND_SEND_C_END, "END", {}},
	{BSEND_SEND_C_UPDATE_EXTENT, "UPDATE_EXTENT",
		{BSEND_SEND_A_PATH, BSEND_SEND_A_FILE_OFFSET, BSEND_SEND_A_SIZE}},
	// Version 2. ENCODED_WRITE's COMPRESSION and ENCRYPTION default to none.
	{BSEND_SEND_C_FALLOCATE, "FALLOCATE",
		{BSEND_SEND_A_PATH, BSEND_SEND_A_FALLOCATE_MODE, BSEND_SEND_A_FILE_OFFSET, BSEND_SEND_A_SIZE}},
	{BSEND_SEND_C_FILEATTR, "FILEATTR", {BSEND_SEND_A_PATH, BSEND_SEND_A_FILEATTR}},
	{BSEND_SEND_C_ENCODED_WRITE, "ENCODED_WRITE",
		{BSEND_SEND_A_PATH, BSEND_SEND_A_FILE_OFFSET, BSEND_SEND_A_UNENCODED_FILE_LEN,
		BSEND_SEND_A_UNENCODED_LEN, BSEND_SEND_A_UNENCODED_OFFSET, BSEND_SEND_A_DATA}},
};

// The v1 and v2 attributes.
const AttributeSchema kAttributes[] = {
	{BSEND_SEND_A_UUID, "UUID", AttributeKind::kUuid},
	{BSEND_SEND_A_CTRANSID, "CTRANSID", AttributeKind::kU64},
	{BSEND_SEND_A_INO, "INO", AttributeKind::kU64},
	{BSEND_SEND_A_SIZE, "SIZE", AttributeKind::kU64},
	{BSEND_SEND_A_MODE, "MODE", AttributeKind::kU64},
	{BSEND_SEND_A_UID, "UID", AttributeKind::kU64},
	{BSEND_SEND_A_GID, "GID", AttributeKind::kU64},
	{BSEND_SEND_A_RDEV, "RDEV", AttributeKind::kU64},
	{BSEND_SEND_A_CTIME, "CTIME", AttributeKind::kTimespec},
	{BSEND_SEND_A_MTIME, "MTIME", AttributeKind::kTimespec},
	{BSEND_SEND_A_ATIME, "ATIME", AttributeKind::kTimespec},
	{BSEND_SEND_A_OTIME, "OTIME", AttributeKind::kTimespec},
	{BSEND_SEND_A_XATTR_NAME, "XATTR_NAME", AttributeKind::kBytes},
	{BSEND_SEND_A_XATTR_DATA, "XATTR_DATA", AttributeKind::kBytes},
	{BSEND_SEND_A_PATH, "PATH", AttributeKind::kBytes},
	{BSEND_SEND_A_PATH_TO, "PATH_TO", AttributeKind::kBytes},
	{BSEND_SEND_A_PATH_LINK, "PATH_LINK", AttributeKind::kBytes},
	{BSEND_SEND_A_FILE_OFFSET, "FILE_OFFSET", AttributeKind::kU64},
	{BSEND_SEND_A_DATA, "DATA", AttributeKind::kBytes},
	{BSEND_SEND_A_CLONE_UUID, "CLONE_UUID", AttributeKind::kUuid},
	{BSEND_SEND_A_CLONE_CTRANSID, "CLONE_CTRANSID", AttributeKind::kU64},
	{BSEND_SEND_A_CLONE_PATH, "CLONE_PATH", AttributeKind::kBytes},
	{BSEND_SEND_A_CLONE_OFFSET, "CLONE_OFFSET", AttributeKind::kU64},
	{BSEND_SEND_A_CLONE_LEN, "CLONE_LEN", AttributeKind::kU64},
	{BSEND_SEND_A_FALLOCATE_MODE, "FALLOCATE_MODE", AttributeKind::kU32},
	{BSEND_SEND_A_FILEATTR, "FILEATTR", AttributeKind::kU64},
	{BSEND_SEND_A_UNENCODED_FILE_LEN, "UNENCODED_FILE_LEN", AttributeKind::kU64},
	{BSEND_SEND_A_UNENCODED_LEN, "UNENCODED_LEN", AttributeKind::kU64},
	{BSEND_SEND_A_UNENCODED_OFFSET, "UNENCODED_OFFSET", AttributeKind::kU64},
	{BSEND_SEND_A_COMPRESSION, "COMPRESSION", AttributeKind::kU32},
	{BSEND_SEND_A_ENCRYPTION, "ENCRYPTION", AttributeKind::kU32},
};

const uint16_t kNoAttributes[1] = {BSEND_SEND_A_UNSPEC};

const CommandSchema* find_command(uint16_t command)
{
	for (const CommandSchema& schema : kCommands)
		if (schema.number == command)
			return &schema;
	return nullptr;
}

const AttributeSchema* find_attribute(uint16_t attribute)
{
	for (const AttributeSchema& schema : kAttributes)
		if (schema.number == attribute)
			return &schema;
	return nullptr;
}

} // namespace

const char* command_name(uint16_t command)
{
	const CommandSchema* schema = find_command(command);
	return schema ? schema->name : nullptr;
}

uint32_t command_version(uint16_t command)
{
	if (!find_command(command))
		return 0;
	return command <= BSEND_SEND_C_MAX_V1 ? 1 : 2;
}

const char* attribute_name(uint16_t attribute)
{
	const AttributeSchema* schema = find_attribute(attribute);
	return schema ? schema->name : nullptr;
}

AttributeKind attribute_kind(uint16_t attribute)
{
	const AttributeSchema* schema = find_attribute(attribute);
	return schema ? schema->kind : AttributeKind::kUnknown;
}

size_t fixed_size(AttributeKind kind)
{
	switch (kind) {
	case AttributeKind::kU32:
		return 4;
	case AttributeKind::kU64:
		return 8;
	case AttributeKind::kUuid:
		return kUuidBytes;
	case AttributeKind::kTimespec:
		return kTimespecBytes;
	case AttributeKind::kBytes:
	case AttributeKind::kUnknown:
		break;
	}
	return 0;
}

const uint16_t* required_attributes(uint16_t command)
{
	const CommandSchema* schema = find_command(command);
	return schema ? schema->required : kNoAttributes;
}

} // namespace sendctl::stream
