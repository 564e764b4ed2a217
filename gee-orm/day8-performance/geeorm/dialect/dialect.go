// Package dialect hides what differs between databases: how a Go type is
// stored as a column type, and how to ask whether a table exists.
package dialect

import (
	"reflect"
	"strings"
)

// Dialect is what geeorm needs to know about one database.
type Dialect interface {
	// DataTypeOf returns typ's column type, or "" if it cannot be stored.
	DataTypeOf(typ reflect.Value) string
	// TableExistSQL returns a query and its values that finds the table.
	TableExistSQL(tableName string) (string, []any)
}

var dialects = map[string]Dialect{}

// RegisterDialect makes d the dialect of driver name; call it from init.
func RegisterDialect(name string, d Dialect) { dialects[name] = d }

// GetDialect returns the dialect registered for the driver name.
func GetDialect(name string) (d Dialect, ok bool) {
	d, ok = dialects[name]
	return
}

// Quote quotes an identifier, which may be a keyword ("order") or hold a ".
func Quote(ident string) string {
	var b strings.Builder
	QuoteTo(&b, ident)
	return b.String()
}

// QuoteTo writes ident, quoted as Quote does, to b: a column list built
// this way costs no string per column.
func QuoteTo(b *strings.Builder, ident string) {
	b.Grow(len(ident) + 2)
	b.WriteByte('"')
	if strings.IndexByte(ident, '"') < 0 {
		b.WriteString(ident)
	} else {
		b.WriteString(strings.ReplaceAll(ident, `"`, `""`))
	}
	b.WriteByte('"')
}
