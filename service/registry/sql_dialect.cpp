// SPDX-License-Identifier: Apache-2.0
#include "service/registry/sql_dialect.hpp"

#include <cstdlib>

namespace dmc::service {

int64_t SqlValue::integer() const
{
    if (const int64_t *number = if_integer()) return *number;
    if (const std::string *text = if_text()) return std::strtoll(text->c_str(), nullptr, 10);
    return 0;
}

std::string SqlValue::text() const
{
    if (const std::string *text = if_text()) return *text;
    if (const int64_t *number = if_integer()) return std::to_string(*number);
    return {};
}

std::optional<std::string> SqlRow::optional_text(int column) const
{
    if (is_null(column)) return std::nullopt;
    return text(column);
}

std::optional<int64_t> SqlRow::optional_integer(int column) const
{
    if (is_null(column)) return std::nullopt;
    return integer(column);
}

Status SqlConnection::execute(const std::string &sql, const std::vector<SqlValue> &params)
{
    auto rows = query(sql, params);
    if (!rows) return rows.error();
    return {};
}

Result<std::optional<SqlRow>> SqlConnection::query_row(const std::string &sql, const std::vector<SqlValue> &params)
{
    SqlRows rows;
    DMC_TRY_ASSIGN(rows, query(sql, params));
    if (rows.empty()) return std::optional<SqlRow>{};
    return std::optional<SqlRow>(std::move(rows.rows.front()));
}

} // namespace dmc::service
