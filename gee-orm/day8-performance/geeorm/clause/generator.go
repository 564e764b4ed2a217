package clause

import (
	"strconv"
	"strings"

	"gee-orm/day8-performance/geeorm/dialect"
)

// A generator turns a clause's arguments into its SQL text, with ? for
// every value, and the values to bind.
type generator func(values ...any) (string, []any)

var generators = [numTypes]generator{
	INSERT:  _insert,
	VALUES:  _values,
	SELECT:  _select,
	LIMIT:   _limit,
	WHERE:   _where,
	ORDERBY: _orderBy,
	UPDATE:  _update,
	DELETE:  _delete,
	COUNT:   _count,
}

// bindVars returns num placeholders: "?, ?, ?".
func bindVars(num int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", num), ", ")
}

// columnList returns fields as a quoted, comma-separated column list.
// fields is a []string of names, or a string already in that form (a
// schema keeps one, so it is not rebuilt for every statement).
func columnList(fields any) string {
	if list, ok := fields.(string); ok {
		return list
	}
	return QuoteAll(fields.([]string))
}

// QuoteAll quotes each identifier and joins them with commas:
// "Name", "Age".
func QuoteAll(names []string) string {
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		dialect.QuoteTo(&b, name)
	}
	return b.String()
}

// _insert(table string, fields []string or column list string)
func _insert(values ...any) (string, []any) {
	tableName := values[0].(string)
	return "INSERT INTO " + dialect.Quote(tableName) + " (" + columnList(values[1]) + ")", []any{}
}

// _values(record []any...): one parenthesised row of placeholders per
// record; records of one model all have the same number of values.
func _values(values ...any) (string, []any) {
	row := "(" + bindVars(len(values[0].([]any))) + ")"
	var sql strings.Builder
	sql.Grow(len("VALUES ") + len(values)*(len(row)+2))
	sql.WriteString("VALUES ")
	vars := make([]any, 0, len(values)*len(values[0].([]any)))
	for i, value := range values {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString(row)
		vars = append(vars, value.([]any)...)
	}
	return sql.String(), vars
}

// _select(table string, fields []string or column list string)
func _select(values ...any) (string, []any) {
	tableName := values[0].(string)
	return "SELECT " + columnList(values[1]) + " FROM " + dialect.Quote(tableName), []any{}
}

// _limit(num int): the count is written as a literal, the one number not
// bound. It is a Go int, so it cannot carry SQL, and SQLite plans a literal
// LIMIT better: a lookup by primary key with "LIMIT ?" cost half as much
// again as with "LIMIT 1" (see docs/gee-orm/bench.md).
func _limit(values ...any) (string, []any) {
	return "LIMIT " + strconv.Itoa(values[0].(int)), []any{}
}

// _where(desc string, args ...any): desc is wrapped in parentheses so that
// further conditions can be joined to it with AND.
func _where(values ...any) (string, []any) {
	desc, vars := values[0].(string), values[1:]
	return "WHERE (" + desc + ")", vars
}

// _orderBy(desc string)
func _orderBy(values ...any) (string, []any) {
	return "ORDER BY " + values[0].(string), []any{}
}

// _update(table string, columns []string, values []any): SET each column
// to its value.
func _update(values ...any) (string, []any) {
	tableName := values[0].(string)
	columns := values[1].([]string)
	size := len(`UPDATE "" SET `) + len(tableName)
	for _, column := range columns {
		size += len(`"" = ?, `) + len(column)
	}
	var sql strings.Builder
	sql.Grow(size) // one allocation, unless a name holds quotes to double
	sql.WriteString("UPDATE ")
	dialect.QuoteTo(&sql, tableName)
	sql.WriteString(" SET ")
	for i, column := range columns {
		if i > 0 {
			sql.WriteString(", ")
		}
		dialect.QuoteTo(&sql, column)
		sql.WriteString(" = ?")
	}
	return sql.String(), values[2].([]any)
}

// _delete(table string)
func _delete(values ...any) (string, []any) {
	return "DELETE FROM " + dialect.Quote(values[0].(string)), []any{}
}

// _count(table string)
func _count(values ...any) (string, []any) {
	return "SELECT count(*) FROM " + dialect.Quote(values[0].(string)), []any{}
}
