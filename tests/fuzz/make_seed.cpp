// bsend-fuzz-seed IMAGE OUT: writes the non-zero pages of a filesystem
// image as a fuzz input (page_image.h).
#include <cstdio>
#include <fstream>

#include "tests/fuzz/page_image.h"

int main(int argc, char** argv)
{
	if (argc != 3) {
		std::fprintf(stderr, "usage: bsend-fuzz-seed IMAGE OUT\n");
		return 2;
	}
	std::string records = bsend::fuzz::PageImage::records_of_file(argv[1]);
	std::ofstream(argv[2], std::ios::binary) << records;
	std::printf("%s: %zu pages\n", argv[2], records.size() / (8 + bsend::fuzz::kPageSize));
	return records.empty() ? 1 : 0;
}
