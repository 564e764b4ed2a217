package clause

import (
	"strconv"
	"strings"

	"gee-orm/day8-performance/geeorm/dialect"
)

// A generator turns a clause's arguments into its SQL text, with ? for
// every value, and the values to bind.
type generator func(values ...any) (string, []any)

// generators is an array: a map lookup hashed the type on every Set.
var generators = [numTypes]generator{
	INSERT:  _insert,
	VALUES:  _values,
	SELECT:  _select,
	LIMIT:   _limit,
	WHERE:   _where,
	ORDERBY: _orderBy,
	OFFSET:  _offset,
	UPDATE:  _update,
	DELETE:  _delete,
	COUNT:   _count,
}

// quoteAll quotes each name, after prefix, and joins them with commas:
// "Name", "Age".
func quoteAll(names []string, prefix string) string {
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix)
		dialect.QuoteTo(&b, name)
	}
	return b.String()
}

// columnList is the column list a schema keeps ready (a string), or one
// quoted from names ([]string) after prefix.
func columnList(columns any, prefix string) string {
	if list, ok := columns.(string); ok {
		return list
	}
	return quoteAll(columns.([]string), prefix)
}

// _insert(table string, fields []string or the list ready)
func _insert(values ...any) (string, []any) {
	return "INSERT INTO " + dialect.Quote(values[0].(string)) + " (" + columnList(values[1], "") + ")", nil
}

// _values(record []any...): one parenthesised row of placeholders per
// record; records of one model all have the same number of values. The
// text and the values are each made in one piece.
func _values(values ...any) (string, []any) {
	perRecord := len(values[0].([]any))
	var sql strings.Builder
	sql.Grow(len("VALUES ") + len(values)*(perRecord*3+3))
	sql.WriteString("VALUES ")
	vars := make([]any, 0, len(values)*perRecord)
	for i, value := range values {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteByte('(')
		for j := range perRecord {
			if j > 0 {
				sql.WriteString(", ")
			}
			sql.WriteByte('?')
		}
		sql.WriteByte(')')
		vars = append(vars, value.([]any)...)
	}
	return sql.String(), vars
}

// _select(table string, fields []string or the qualified list ready): each
// column is qualified with its table, so that one the table lacks is an
// error ("no such column") rather than a string: SQLite reads a "Name" it
// cannot resolve as 'Name'.
func _select(values ...any) (string, []any) {
	table := dialect.Quote(values[0].(string))
	return "SELECT " + columnList(values[1], table+".") + " FROM " + table, nil
}

// _limit(num int): the count is written as a literal, the one number not
// bound. A bound LIMIT may change SQLite's plan, so SQLite compiles the
// statement again on every run, prepared or not: a lookup by primary key
// took three times as long. A Go int cannot carry SQL.
func _limit(values ...any) (string, []any) {
	return "LIMIT " + strconv.Itoa(values[0].(int)), nil
}

// _offset(num int): a literal too, for the same reason as _limit.
func _offset(values ...any) (string, []any) {
	return "OFFSET " + strconv.Itoa(values[0].(int)), nil
}

// _where(desc string, args ...any): desc is wrapped in parentheses so that
// further conditions can be joined to it with AND.
func _where(values ...any) (string, []any) {
	desc, vars := values[0].(string), values[1:]
	return "WHERE (" + desc + ")", vars
}

// _orderBy(desc string)
func _orderBy(values ...any) (string, []any) {
	return "ORDER BY " + values[0].(string), nil
}

// _update(table string, columns []string, values []any): SET each column
// to its value, written into one builder sized for the statement.
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
	return "DELETE FROM " + dialect.Quote(values[0].(string)), nil
}

// _count(table string)
func _count(values ...any) (string, []any) {
	return "SELECT count(*) FROM " + dialect.Quote(values[0].(string)), nil
}
