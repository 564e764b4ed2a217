package clause

import (
	"strings"

	"gee-orm/day8-performance/geeorm/dialect"
)

// A generator turns a clause's arguments into its SQL text, with ? for
// every value, and the values to bind.
type generator func(values ...any) (string, []any)

var generators = map[Type]generator{
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

// bindVars returns num placeholders: "?, ?, ?".
func bindVars(num int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", num), ", ")
}

// quoteAll quotes each name, after prefix, and joins them with commas:
// "Name", "Age".
func quoteAll(names []string, prefix string) string {
	var quoted []string
	for _, name := range names {
		quoted = append(quoted, prefix+dialect.Quote(name))
	}
	return strings.Join(quoted, ", ")
}

// _insert(table string, fields []string)
func _insert(values ...any) (string, []any) {
	return "INSERT INTO " + dialect.Quote(values[0].(string)) + " (" + quoteAll(values[1].([]string), "") + ")", []any{}
}

// _values(record []any...): one parenthesised row of placeholders per
// record; records of one model all have the same number of values.
func _values(values ...any) (string, []any) {
	var rows []string
	var vars []any
	for _, value := range values {
		record := value.([]any)
		rows = append(rows, "("+bindVars(len(record))+")")
		vars = append(vars, record...)
	}
	return "VALUES " + strings.Join(rows, ", "), vars
}

// _select(table string, fields []string): each column is qualified with
// its table, so that one the table lacks is an error ("no such column")
// rather than a string: SQLite reads a "Name" it cannot resolve as 'Name'.
func _select(values ...any) (string, []any) {
	table := dialect.Quote(values[0].(string))
	return "SELECT " + quoteAll(values[1].([]string), table+".") + " FROM " + table, []any{}
}

// _limit(num int)
func _limit(values ...any) (string, []any) {
	return "LIMIT ?", values
}

// _offset(num int)
func _offset(values ...any) (string, []any) {
	return "OFFSET ?", values
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
	var sets []string
	for _, column := range values[1].([]string) {
		sets = append(sets, dialect.Quote(column)+" = ?")
	}
	return "UPDATE " + dialect.Quote(values[0].(string)) + " SET " + strings.Join(sets, ", "), values[2].([]any)
}

// _delete(table string)
func _delete(values ...any) (string, []any) {
	return "DELETE FROM " + dialect.Quote(values[0].(string)), []any{}
}

// _count(table string)
func _count(values ...any) (string, []any) {
	return "SELECT count(*) FROM " + dialect.Quote(values[0].(string)), []any{}
}
