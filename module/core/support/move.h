// move/forward and the two type traits they need; <utility> is not
// available in the module build.
#pragma once

namespace bsend {

template <typename T> struct RemoveReference { using Type = T; };
template <typename T> struct RemoveReference<T&> { using Type = T; };
template <typename T> struct RemoveReference<T&&> { using Type = T; };

template <typename T>
constexpr typename RemoveReference<T>::Type&& move(T&& value) noexcept
{
	return static_cast<typename RemoveReference<T>::Type&&>(value);
}

template <typename T>
constexpr T&& forward(typename RemoveReference<T>::Type& value) noexcept
{
	return static_cast<T&&>(value);
}

template <typename T>
constexpr T&& forward(typename RemoveReference<T>::Type&& value) noexcept
{
	return static_cast<T&&>(value);
}

} // namespace bsend
