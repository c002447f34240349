// Public notices (公告公示) of a project or of an allocation, as disclosure
// rules ask for them: for funds, the source, amount, purpose, the unit that
// uses them and what they were allocated to; for a project, its name,
// place, content, period, responsible unit and person, funding, expected
// goals and result. Each ends with the complaint line, the publication
// window (at least limits::kNoticeDaysMin days) and the digest the figures
// come from, so that anyone can have them proven against the ledger.
#ifndef AIDLEDGER_APP_NOTICE_H_
#define AIDLEDGER_APP_NOTICE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "aidledger/v1/audit.pb.h"
#include "app/queries.h"
#include "ledger/ledger.h"

namespace aidledger::app {

struct NoticeQuery {
  std::string project;     // a project's notice, or
  std::string allocation;  // an allocation's, by its event_id
  std::string hotline;     // the complaint line (监督电话): required
  std::string publish_from;  // YYYY-MM-DD; empty: today in China
  int days = 10;             // the publication window
  PointOptions point;
};

struct Notice {
  std::string title;
  std::vector<std::pair<std::string, std::string>> lines;  // label, value
  std::string hotline;
  std::string window;  // 公示期
  v1::Digest digest;
};

// Usage errors for a query that names neither or both, an unknown project or
// allocation, a missing hotline or a window shorter than the rules allow.
absl::StatusOr<Notice> BuildNotice(const Ledger& ledger, const NoticeQuery& query,
                                   const PointParameterNames& names = kPointParameters);

std::string NoticeText(const Notice& notice);
// A printable page (A4 portrait), no external assets.
std::string NoticeHtml(const Notice& notice);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_NOTICE_H_
