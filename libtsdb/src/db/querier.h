// The DB's querier: the head and every block overlapping the range, merged
// into one label-sorted series set (series in several blocks, or in a block
// and the head, become one; overlapping data is merged sample by sample).
#pragma once

#include <memory>
#include <vector>

#include "block/block.h"
#include "head/head.h"
#include "promlite/tsdb/storage.h"

namespace promlite::tsdb {

std::unique_ptr<Querier> NewDBQuerier(head::Head* head, std::vector<std::shared_ptr<block::Block>> blocks,
                                      Timestamp mint, Timestamp maxt);

}  // namespace promlite::tsdb
