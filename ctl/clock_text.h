// Durations as sendctl prints them: H:MM:SS.
#ifndef SENDCTL_CLOCK_TEXT_H
#define SENDCTL_CLOCK_TEXT_H

#include <cstdint>
#include <string>

namespace sendctl {

// 3723 -> "1:02:03".
std::string clock_text(std::uint64_t seconds);

}  // namespace sendctl

#endif
