package clause

import (
	"strings"

	"gee-orm/day3-save-query/geeorm/dialect"
)

// A generator turns a clause's arguments into its SQL text, with ? for
// every value, and the values to bind.
type generator func(values ...any) (string, []any)

var generators = map[Type]generator{
	INSERT: _insert,
	VALUES: _values,
	SELECT: _select,
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
