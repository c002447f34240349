// Every maximum aidledger enforces, in one place. Inputs beyond these are
// rejected with a clear error; loops and buffers are bounded by them.
#ifndef AIDLEDGER_BASE_LIMITS_H_
#define AIDLEDGER_BASE_LIMITS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace aidledger::limits {

// Text fields, in bytes of UTF-8.
inline constexpr size_t kNameBytesMax = 256;       // region, project, enterprise names
inline constexpr size_t kMemoBytesMax = 1024;      // memo and reversal reason
// Renamings a region or project may have: each former name is kept in the
// projections' state (and shown with --name-history).
inline constexpr int kFormerNamesMax = 100;
inline constexpr size_t kActorBytesMax = 128;
inline constexpr size_t kEventIdBytesMax = 128;
inline constexpr size_t kProjectIdBytesMax = 64;
inline constexpr size_t kChannelBytesMax = 128;
inline constexpr size_t kAmountTextBytesMax = 64;  // "¥1,234,567.89" and the like
// How much of a bad input a rejection quotes back ("must be one of ...
// (got \"...\")"): enough to recognise it, not a whole pasted cell.
inline constexpr size_t kQuotedInputBytesMax = 40;
// The largest amount of one event (and a project's budget): 10^15 fen, ten
// trillion yuan (10万亿元), about a whole year of the central government's
// transfers to all local governments. Anything larger is a typing error (a
// pasted ID, fen keyed as yuan twice), not assistance; and sums of such
// amounts stay far from int64's 9.2 x 10^18.
inline constexpr int64_t kAmountFenMax = 1'000'000'000'000'000;

// Indicators (issue 22): a counted value (people, enterprises, pairs) of
// one event or target; money indicators are bounded by kAmountFenMax. A
// billion is more than any pairing's workers or trainees in a year.
inline constexpr int64_t kIndicatorCountMax = 1'000'000'000;
// The of_which breakdowns of one recorded indicator.
inline constexpr int kIndicatorBreakdownsMax = 4;
// The figures of one year (helper x recipient x indicator, as recorded):
// 300 helper districts x 3,000 counties x 16 indicators is 14.4 million.
// Their places are 32-bit, as protobuf's repeated fields' sizes are.
inline constexpr size_t kIndicatorYearFiguresMax = 100'000'000;
// Evidence: a document number (文号) or a file's SHA-256 in hex.
inline constexpr size_t kEvidenceBytesMax = 256;
// Issue 25's text fields: a document or contract number (文号, 合同编号;
// the longest seen are about 40 characters) and a fund category.
inline constexpr size_t kDocumentNumberBytesMax = 128;
inline constexpr size_t kFundCategoryBytesMax = 128;
// A bank account number as typed (before it is hashed): IBANs have at most
// 34 characters, Chinese accounts 19-25 digits.
inline constexpr size_t kAccountNumberBytesMax = 64;
// The files one event names as its evidence: an allocation's approval, a
// payment's contract, invoice and voucher, a few photos.
inline constexpr int kEvidencePerEventMax = 16;
// One evidence file: a scanned contract or a photo is a few MB; a video of
// an acceptance may be a few hundred.
inline constexpr int64_t kEvidenceFileBytesMax = int64_t{1} << 30;
// The evidence store keeps a file in chunks of this size (the last one
// shorter): what is read or written at a time, and what one HTTP write of
// GET /v1/evidence holds. A file of kEvidenceFileBytesMax is 1,024 chunks.
inline constexpr size_t kEvidenceChunkBytes = size_t{1} << 20;
inline constexpr uint64_t kEvidenceChunksMax =
    (kEvidenceFileBytesMax + kEvidenceChunkBytes - 1) / kEvidenceChunkBytes;
// Distinct evidence files `verify` holds while it walks the log, to check
// each against the store (about 60 bytes each: 600 MB at the bound); past
// it verify reports the ledger too large to check rather than grow.
inline constexpr size_t kEvidenceNamedMax = 10'000'000;
// Files one `evidence add` hashes (and stores) at a time.
inline constexpr size_t kEvidenceFilesPerCommandMax = 1'000;
// Missing evidence files verify names one by one; past this it counts them.
inline constexpr size_t kEvidenceWarningsMax = 20;
// The nodes of one fund-flow trace (aidledger trace): a province's helper
// over ten years has tens of thousands; a trace past this is refused with
// the advice to narrow it (--helper, --region, --project, --allocation).
inline constexpr size_t kTraceNodesMax = 2'000'000;
// Early warnings (aidledger alerts): the events one alert names (a payee
// paid thousands of times names its first ones), and the longest idle
// period a rule may be asked about (a hundred years).
inline constexpr size_t kAlertSeqsMax = 100;
inline constexpr int kAlertIdleDaysMax = 36'500;
// A public notice's publication window (公示期): disclosure rules ask for
// at least ten days; a year is the longest one asked for.
inline constexpr int kNoticeDaysMin = 10;
inline constexpr int kNoticeDaysMax = 365;
// An agreement target's year.
inline constexpr int kTargetYearMin = 1990;
inline constexpr int kTargetYearMax = 2100;

// Region tree: province > city > county > ... ; deeper trees are rejected so
// that every roll-up walk is bounded.
inline constexpr int kRegionDepthMax = 8;

// One append batch (an import batch, an HTTP batch, a group commit). An
// import's default batch is its whole file, so this also bounds the rows of
// a file imported without --batch-size.
inline constexpr size_t kBatchEventsMax = 1'000'000;

// Group commit (ledger/group_commit.h): requests waiting for the committer,
// and what one group commit takes of them (requests, events; a request
// larger than the event bound goes alone).
inline constexpr size_t kCommitQueueRequestsMax = 4'096;
inline constexpr size_t kCommitGroupRequestsMax = 512;
inline constexpr size_t kCommitGroupEventsMax = 10'000;
// After this long without appends the committer flushes the store's
// memtables (when kUnflushedBytesWorthFlushing or more is unflushed), so
// that CLI reads beside a server do not replay the write-ahead log.
inline constexpr std::chrono::seconds kCommitIdleFlushAfter{1};
// A server on a store other processes append to (PostgreSQL) looks for
// their appends when notified, and at least this often (notifications are
// lost with a connection).
inline constexpr std::chrono::milliseconds kFollowPollMax{500};

// Import input: one CSV record or JSONL line, and the rejected rows listed
// before the rest are only counted.
inline constexpr size_t kImportRecordBytesMax = 256 * 1024;
// A digest or proof file an auditor hands in is read whole: at most this.
inline constexpr size_t kAuditFileBytesMax = 16 * 1024 * 1024;
// A restore appends an export this many events at a time (each batch one
// atomic, synced write).
inline constexpr size_t kRestoreBatchEvents = 10'000;
// verify reports its progress every this many events.
inline constexpr uint64_t kVerifyProgressEvents = 4096;
// An inclusion proof's audit path: one hash per level of a tree of at most
// 2^64 leaves.
inline constexpr int kAuditPathDepthMax = 64;

// A snapshot key file is 64 hex digits (a 32-byte key) and perhaps a
// newline: no more of it is read.
inline constexpr size_t kSnapshotKeyFileBytesMax = 2 * 32 + 2;
// The fold decoder reads Event -> EventReversed -> target Event; a target
// nested deeper (itself a reversal: never written, validation admits only
// money targets) goes to protobuf's parser.
inline constexpr int kFoldTargetDepthMax = 1;
// The JSON writer's nesting: deeper is not a report (protobuf's own is 100).
inline constexpr int kJsonWriterDepthMax = 32;
inline constexpr size_t kImportRejectionsListedMax = 100;
// The rows of one import file: its content ids (app/import.cc) remember
// 24 bytes per distinct row, so this bounds them at 240 MB. A file past it
// stops there (the batches before stay written); split it.
inline constexpr size_t kImportRowsMax = 10'000'000;
// An import reads the next batch while writing one only for batches up to
// this many events, so that holding two stays small.
inline constexpr size_t kImportReadAheadBatchEventsMax = 100'000;
// An import batch's drafts live on one protobuf arena, which grows by
// blocks of up to this size (protobuf's own default, 8 KiB, would take
// hundreds of blocks for a batch of 10,000).
inline constexpr size_t kImportArenaBlockBytesMax = 256 * 1024;

// A projection's state lives on a protobuf arena of its own (nothing in it is
// ever freed before the whole state is), which grows by blocks of up to this
// size: a 2 MB state takes a dozen blocks instead of hundreds.
inline constexpr size_t kStateArenaBlockBytesMax = 256 * 1024;

// A stored event (serialized protobuf) may not exceed this.
inline constexpr size_t kEventBytesMax = 64 * 1024;

// Fiscal years and effective dates accepted.
inline constexpr int kYearMin = 1949;
inline constexpr int kYearMax = 2199;
// A stored event's recorded_at, which the ledger takes from its clock in
// whole microseconds: from 1970-01-01 to the end of kYearMax (UTC).
inline constexpr int64_t kRecordedAtSecondsMax = 7'258'118'399;  // 2199-12-31T23:59:59Z

// Rows printed by `log` in one call without --to, to keep output bounded.
inline constexpr uint64_t kLogRowsDefaultMax = 1'000'000;

// Snapshot records read when looking for a usable one (a few per
// projection and snapshot point; older ones beyond this are not considered).
inline constexpr size_t kSnapshotRecordsScannedMax = 30'000;

// Write-ahead logs kept on disk before RocksDB flushes the families whose
// memtables hold the oldest of them. Every append also writes the head to
// the small meta family, which never fills a memtable on its own, so without
// this bound every WAL since the ledger was opened stays (2 GB after a 10M
// import) and every read-only open replays it all (6 s, and its memtables
// in memory).
inline constexpr uint64_t kWalBytesMax = 128ull << 20;

// Unflushed writes worth flushing: a read-write session that leaves at
// least this much in memtables flushes them when it closes, and serve when
// it goes idle. A read-write open flushes what it replays, but a read-only
// one (every CLI query, every rebuild) replays the unflushed WAL into
// memory each time: about 7 ms per MiB (a 1M import left 62 MB, and a
// query took 0.48 s instead of 35 ms). Small sessions (one CLI append)
// stay below it, so that they do not each leave a tiny table file.
inline constexpr uint64_t kUnflushedBytesWorthFlushing = 1ull << 20;

// Keys looked up in one RocksDB MultiGet (an append batch's event_ids are
// looked up this many at a time).
inline constexpr size_t kMultiGetKeysMax = 1024;

// PostgreSQL (ledger/store/postgres_log_store.h). A ledger's name in its
// database (`--db postgresql://...?ledger=NAME`).
inline constexpr size_t kLedgerNameBytesMax = 64;
// Connections one store holds open at most (each cursor and query borrows
// one; a borrower waits when all are out).
inline constexpr size_t kPgConnectionsMax = 16;
// Rows a cursor fetches per query, and reversal rows one INSERT statement
// carries (events go by COPY).
inline constexpr size_t kPgRowsPerFetch = 1'000;
inline constexpr size_t kPgRowsPerInsert = 500;
// A read whose connection broke runs again on a new one at once, this many
// times in all, then with pauses while the database is unreachable, for
// kOutcomeLookupFor (writes never run again: ledger/ledger.h,
// ResolveUnknownOutcome).
inline constexpr size_t kPgReadAttemptsMax = 3;
// Records a server's local cache of a PostgreSQL ledger copies a write.
inline constexpr size_t kCacheFillRecordsPerWrite = 10'000;
// Times one Submit folds what other writers appended and stages its group
// again (LedgerOptions::catch_up_on_conflict) before it gives up, and the
// longest random pause before each (they grow from 250 µs).
inline constexpr size_t kAppendCatchUpsMax = 64;
inline constexpr std::chrono::milliseconds kCatchUpPauseMax{50};
// An append whose connection broke: how long the writer keeps asking the
// database (or a new primary) whether it was committed, and how often.
inline constexpr std::chrono::seconds kOutcomeLookupFor{30};
inline constexpr std::chrono::milliseconds kOutcomeLookupPause{250};
// Times an open reads the head and the last record again when a writer in
// another process committed between the two reads.
inline constexpr size_t kHeadReadsMax = 8;

// A forward scan of the log or its index asks the disk for this much at a
// time, instead of one small read per block (a rebuild of 1M events:
// 37,900 reads -> 211).
// The benchmark gives db_bench's readseq the same, so the limit it measures
// reads the same way.
inline constexpr size_t kScanReadaheadBytes = 1 << 20;

// A fold reads and decodes this many events before folding them, so that
// their cache misses overlap (Books::ApplyAll).
inline constexpr size_t kFoldBatchEvents = 32;

// A fold of a long tail reads the log on a thread of its own, checking each
// record's hash and link, in chunks of at most this many events and bytes,
// while the calling thread decodes and folds the chunks read before; at
// most kFoldChunksAhead read chunks wait for it. A tail of one chunk or less,
// or any tail in a process allowed only one CPU, is read and folded on the
// calling thread.
inline constexpr size_t kFoldChunkEvents = 2048;
inline constexpr size_t kFoldChunkBytesMax = 256 * 1024;
inline constexpr size_t kFoldChunksAhead = 4;

// 舍位平衡 (RoundTable, RoundTree): the most cells a table rounded to a
// coarser unit may have (a ten-year monthly report of 40 regions; the
// minimum-cost flow takes about 1 s for it on the CI machine), and the
// coarsest unit (1 亿元 in fen).
inline constexpr size_t kRoundingCellsMax = 5'000;
inline constexpr int64_t kRoundingUnitMax = 10'000'000'000;

// Co-signed digests (base/signing.h): a signer's name, a private key file
// (an Ed25519 PEM is 119 bytes), and the lines of a trusted-keys file.
inline constexpr size_t kSignerNameBytesMax = 64;
inline constexpr size_t kSigningKeyFileBytesMax = 4096;
inline constexpr size_t kTrustedKeysMax = 1000;
// The signatures one close may hold (each signer signs once).
inline constexpr int kCloseSignaturesMax = 100;
// The adjustments of closed years one report lists (the rest are counted).
inline constexpr size_t kAdjustmentsListedMax = 500;

}  // namespace aidledger::limits

#endif  // AIDLEDGER_BASE_LIMITS_H_
