// The inventory as one self-contained HTML page (`sprawl inventory --format html`): summary
// cards, bar charts, a sortable and filterable table and a detail view per identity.
#pragma once

#include <string>
#include <vector>

#include "src/report/inventory_report.h"

namespace sprawl {

/// One HTML document with everything inline: CSS, vanilla JS and the data as a JSON block
/// (`<script type="application/json" id="inventory-data">`, every '<', '>' and '&' written as a
/// \u escape so no text can close it). No network: a Content-Security-Policy forbids every
/// fetch. What it shows is escaped (server side) or set as text (by the script); secrets appear
/// only as the redacted previews the entries carry. `now` (ISO 8601) is when ages are counted to.
///
/// Stable hooks for tests and users: `#identity-table tbody tr[data-id]`, `#filter`,
/// `#provider-filter`, `#validity-filter`, `#row-count`, `#detail` (with `#detail-locations
/// li.location`, `#detail-policies li.flag`, `#detail-risk li`, `#detail-remediation`), the cards
/// `#card-identities`, `#card-valid`, `#card-present`, `#card-high-risk`, `#card-policies`, and
/// the charts `#chart-provider`, `#chart-type`, `#chart-age`, `#chart-risk`. The view state lives
/// in the URL hash: `report.html#filter=stripe&provider=…&validity=…&sort=risk&dir=desc&detail=ID`.
std::string render_inventory_html(const std::vector<InventoryEntry>& entries, const std::string& now);

/// `text` with &, <, >, " and ' replaced by character references.
std::string html_escape(const std::string& text);

}  // namespace sprawl
