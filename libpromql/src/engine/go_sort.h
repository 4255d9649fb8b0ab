// Go's sort.Sort (pattern-defeating quicksort) and container/heap, for the
// places where Prometheus' output order depends on how Go orders elements
// that compare equal: topk/bottomk, limitk, sort(), sort_desc(). An
// unstable sort puts ties in an algorithm-specific order, so matching
// Prometheus' order means running the same algorithm.
//
// `D` provides `bool Less(size_t i, size_t j)` and `void Swap(size_t i, size_t j)`.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>

namespace promlite::promql::engine::gosort {

namespace detail {

enum class Hint { kUnknown, kIncreasing, kDecreasing };

template <typename D>
void InsertionSort(D& d, int64_t a, int64_t b) {
  for (int64_t i = a + 1; i < b; i++) {
    for (int64_t j = i; j > a && d.Less(j, j - 1); j--) d.Swap(j, j - 1);
  }
}

template <typename D>
void SiftDown(D& d, int64_t lo, int64_t hi, int64_t first) {
  int64_t root = lo;
  for (;;) {
    int64_t child = 2 * root + 1;
    if (child >= hi) break;
    if (child + 1 < hi && d.Less(first + child, first + child + 1)) child++;
    if (!d.Less(first + root, first + child)) return;
    d.Swap(first + root, first + child);
    root = child;
  }
}

template <typename D>
void HeapSort(D& d, int64_t a, int64_t b) {
  int64_t first = a, lo = 0, hi = b - a;
  for (int64_t i = (hi - 1) / 2; i >= 0; i--) SiftDown(d, i, hi, first);
  for (int64_t i = hi - 1; i >= 0; i--) {
    d.Swap(first, first + i);
    SiftDown(d, lo, i, first);
  }
}

template <typename D>
std::pair<int64_t, bool> Partition(D& d, int64_t a, int64_t b, int64_t pivot) {
  d.Swap(a, pivot);
  int64_t i = a + 1, j = b - 1;
  while (i <= j && d.Less(i, a)) i++;
  while (i <= j && !d.Less(j, a)) j--;
  if (i > j) {
    d.Swap(j, a);
    return {j, true};
  }
  d.Swap(i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && d.Less(i, a)) i++;
    while (i <= j && !d.Less(j, a)) j--;
    if (i > j) break;
    d.Swap(i, j);
    i++;
    j--;
  }
  d.Swap(j, a);
  return {j, false};
}

template <typename D>
int64_t PartitionEqual(D& d, int64_t a, int64_t b, int64_t pivot) {
  d.Swap(a, pivot);
  int64_t i = a + 1, j = b - 1;
  for (;;) {
    while (i <= j && !d.Less(a, i)) i++;
    while (i <= j && d.Less(a, j)) j--;
    if (i > j) break;
    d.Swap(i, j);
    i++;
    j--;
  }
  return i;
}

template <typename D>
bool PartialInsertionSort(D& d, int64_t a, int64_t b) {
  constexpr int kMaxSteps = 5;
  constexpr int64_t kShortestShifting = 50;
  int64_t i = a + 1;
  for (int s = 0; s < kMaxSteps; s++) {
    while (i < b && !d.Less(i, i - 1)) i++;
    if (i == b) return true;
    if (b - a < kShortestShifting) return false;
    d.Swap(i, i - 1);
    if (i - a >= 2) {
      for (int64_t j = i - 1; j >= 1; j--) {
        if (!d.Less(j, j - 1)) break;
        d.Swap(j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (int64_t j = i + 1; j < b; j++) {
        if (!d.Less(j, j - 1)) break;
        d.Swap(j, j - 1);
      }
    }
  }
  return false;
}

inline int BitLen(uint64_t x) { return x == 0 ? 0 : 64 - std::countl_zero(x); }

template <typename D>
void BreakPatterns(D& d, int64_t a, int64_t b) {
  int64_t length = b - a;
  if (length < 8) return;
  uint64_t random = static_cast<uint64_t>(length);
  uint64_t modulus = uint64_t{1} << BitLen(static_cast<uint64_t>(length));
  for (int64_t idx = a + (length / 4) * 2 - 1; idx <= a + (length / 4) * 2 + 1; idx++) {
    random ^= random << 13;
    random ^= random >> 17;
    random ^= random << 5;
    int64_t other = static_cast<int64_t>(random & (modulus - 1));
    if (other >= length) other -= length;
    d.Swap(idx, a + other);
  }
}

template <typename D>
std::pair<int64_t, int64_t> Order2(D& d, int64_t a, int64_t b, int* swaps) {
  if (d.Less(b, a)) {
    (*swaps)++;
    return {b, a};
  }
  return {a, b};
}

template <typename D>
int64_t Median(D& d, int64_t a, int64_t b, int64_t c, int* swaps) {
  std::tie(a, b) = Order2(d, a, b, swaps);
  std::tie(b, c) = Order2(d, b, c, swaps);
  std::tie(a, b) = Order2(d, a, b, swaps);
  return b;
}

template <typename D>
std::pair<int64_t, Hint> ChoosePivot(D& d, int64_t a, int64_t b) {
  constexpr int64_t kShortestNinther = 50;
  constexpr int kMaxSwaps = 4 * 3;
  int64_t l = b - a;
  int swaps = 0;
  int64_t i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
  if (l >= 8) {
    if (l >= kShortestNinther) {
      i = Median(d, i - 1, i, i + 1, &swaps);
      j = Median(d, j - 1, j, j + 1, &swaps);
      k = Median(d, k - 1, k, k + 1, &swaps);
    }
    j = Median(d, i, j, k, &swaps);
  }
  if (swaps == 0) return {j, Hint::kIncreasing};
  if (swaps == kMaxSwaps) return {j, Hint::kDecreasing};
  return {j, Hint::kUnknown};
}

template <typename D>
void ReverseRange(D& d, int64_t a, int64_t b) {
  for (int64_t i = a, j = b - 1; i < j; i++, j--) d.Swap(i, j);
}

template <typename D>
void Pdqsort(D& d, int64_t a, int64_t b, int limit) {
  constexpr int64_t kMaxInsertion = 12;
  bool was_balanced = true, was_partitioned = true;
  for (;;) {
    int64_t length = b - a;
    if (length <= kMaxInsertion) {
      InsertionSort(d, a, b);
      return;
    }
    if (limit == 0) {
      HeapSort(d, a, b);
      return;
    }
    if (!was_balanced) {
      BreakPatterns(d, a, b);
      limit--;
    }
    auto [pivot, hint] = ChoosePivot(d, a, b);
    if (hint == Hint::kDecreasing) {
      ReverseRange(d, a, b);
      pivot = (b - 1) - (pivot - a);
      hint = Hint::kIncreasing;
    }
    if (was_balanced && was_partitioned && hint == Hint::kIncreasing) {
      if (PartialInsertionSort(d, a, b)) return;
    }
    if (a > 0 && !d.Less(a - 1, pivot)) {
      a = PartitionEqual(d, a, b, pivot);
      continue;
    }
    auto [mid, already] = Partition(d, a, b, pivot);
    was_partitioned = already;
    int64_t left = mid - a, right = b - mid;
    int64_t balance = length / 8;
    if (left < right) {
      was_balanced = left >= balance;
      Pdqsort(d, a, mid, limit);
      a = mid + 1;
    } else {
      was_balanced = right >= balance;
      Pdqsort(d, mid + 1, b, limit);
      b = mid;
    }
  }
}

}  // namespace detail

// sort.Sort(data) for data of length n.
template <typename D>
void Sort(D& d, size_t n) {
  if (n <= 1) return;
  detail::Pdqsort(d, 0, static_cast<int64_t>(n), detail::BitLen(n));
}

// container/heap on an array of n elements described by D.
template <typename D>
void HeapUp(D& d, int64_t j) {
  for (;;) {
    int64_t i = (j - 1) / 2;
    if (i == j || !d.Less(j, i)) break;
    d.Swap(i, j);
    j = i;
  }
}

template <typename D>
bool HeapDown(D& d, int64_t i0, int64_t n) {
  int64_t i = i0;
  for (;;) {
    int64_t j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    int64_t j = j1;
    if (int64_t j2 = j1 + 1; j2 < n && d.Less(j2, j1)) j = j2;
    if (!d.Less(j, i)) break;
    d.Swap(i, j);
    i = j;
  }
  return i > i0;
}

// heap.Fix(h, i) for a heap of n elements.
template <typename D>
void HeapFix(D& d, int64_t i, int64_t n) {
  if (!HeapDown(d, i, n)) HeapUp(d, i);
}

}  // namespace promlite::promql::engine::gosort
