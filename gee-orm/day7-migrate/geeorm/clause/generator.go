package clause

import (
	"fmt"
	"slices"
	"strings"

	"gee-orm/day7-migrate/geeorm/dialect"
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
	UPDATE:  _update,
	DELETE:  _delete,
	COUNT:   _count,
}

// bindVars returns num placeholders: "?, ?, ?".
func bindVars(num int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", num), ", ")
}

// quoteAll quotes each identifier and joins them with commas.
func quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, name := range names {
		quoted[i] = dialect.Quote(name)
	}
	return strings.Join(quoted, ", ")
}

// _insert(table string, fields []string)
func _insert(values ...any) (string, []any) {
	tableName := values[0].(string)
	fields := values[1].([]string)
	return fmt.Sprintf("INSERT INTO %s (%s)", dialect.Quote(tableName), quoteAll(fields)), []any{}
}

// _values(record []any...): one parenthesised row of placeholders per record.
func _values(values ...any) (string, []any) {
	var sql strings.Builder
	var vars []any
	sql.WriteString("VALUES ")
	for i, value := range values {
		record := value.([]any)
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString("(" + bindVars(len(record)) + ")")
		vars = append(vars, record...)
	}
	return sql.String(), vars
}

// _select(table string, fields []string)
func _select(values ...any) (string, []any) {
	tableName := values[0].(string)
	fields := values[1].([]string)
	return fmt.Sprintf("SELECT %s FROM %s", quoteAll(fields), dialect.Quote(tableName)), []any{}
}

// _limit(num int)
func _limit(values ...any) (string, []any) {
	return "LIMIT ?", values
}

// _where(desc string, args ...any): desc is wrapped in parentheses so that
// further conditions can be joined to it with AND.
func _where(values ...any) (string, []any) {
	desc, vars := values[0].(string), values[1:]
	return fmt.Sprintf("WHERE (%s)", desc), vars
}

// _orderBy(desc string)
func _orderBy(values ...any) (string, []any) {
	return fmt.Sprintf("ORDER BY %s", values[0]), []any{}
}

// _update(table string, columns map[string]any): columns in name order, so
// that the same update is always the same statement.
func _update(values ...any) (string, []any) {
	tableName := values[0].(string)
	columns := values[1].(map[string]any)
	names := make([]string, 0, len(columns))
	for name := range columns {
		names = append(names, name)
	}
	slices.Sort(names)
	sets := make([]string, len(names))
	vars := make([]any, len(names))
	for i, name := range names {
		sets[i] = dialect.Quote(name) + " = ?"
		vars[i] = columns[name]
	}
	return fmt.Sprintf("UPDATE %s SET %s", dialect.Quote(tableName), strings.Join(sets, ", ")), vars
}

// _delete(table string)
func _delete(values ...any) (string, []any) {
	return "DELETE FROM " + dialect.Quote(values[0].(string)), []any{}
}

// _count(table string)
func _count(values ...any) (string, []any) {
	return "SELECT count(*) FROM " + dialect.Quote(values[0].(string)), []any{}
}
