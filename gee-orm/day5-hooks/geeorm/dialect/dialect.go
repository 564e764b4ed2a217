// Package dialect hides what differs between databases: how a Go type is
// stored as a column type, and how to ask whether a table exists.
package dialect

import (
	"reflect"
	"strings"
)

// Dialect is what geeorm needs to know about one database.
type Dialect interface {
	// DataTypeOf returns the column type for typ's kind of value, or ""
	// when the database cannot store it.
	DataTypeOf(typ reflect.Value) string
	// TableExistSQL returns a query and its values that finds the table.
	TableExistSQL(tableName string) (string, []any)
}

var dialects = map[string]Dialect{}

// RegisterDialect makes d the dialect of the database/sql driver named
// name. Call it from an init function, as database/sql drivers register.
func RegisterDialect(name string, d Dialect) {
	dialects[name] = d
}

// GetDialect returns the dialect registered for the driver name.
func GetDialect(name string) (d Dialect, ok bool) {
	d, ok = dialects[name]
	return
}

// Quote quotes an identifier, doubling any quote inside it, so a table or
// column may be named like a keyword ("order") or hold a quote.
func Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}
