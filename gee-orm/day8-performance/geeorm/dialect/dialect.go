// Package dialect hides what differs between databases: how a Go type is
// stored as a column type, and how to ask whether a table exists.
package dialect

import (
	"reflect"
	"strings"
	"sync"
)

// Dialect is what geeorm needs to know about one database.
type Dialect interface {
	// DataTypeOf returns the column type that stores typ's kind of value,
	// or "" when the database cannot store it.
	DataTypeOf(typ reflect.Value) string
	// TableExistSQL returns a query, with its bound values, whose first
	// row holds the table's name when the table exists.
	TableExistSQL(tableName string) (string, []any)
}

var (
	mu       sync.RWMutex
	dialects = map[string]Dialect{}
)

// RegisterDialect makes d the dialect of the database/sql driver named name.
func RegisterDialect(name string, d Dialect) {
	mu.Lock()
	defer mu.Unlock()
	dialects[name] = d
}

// GetDialect returns the dialect registered for the driver name.
func GetDialect(name string) (d Dialect, ok bool) {
	mu.RLock()
	defer mu.RUnlock()
	d, ok = dialects[name]
	return
}

// Quote quotes an SQL identifier the SQL-standard way, doubling any quote
// inside it, so that a table or column may be named like a keyword
// ("order", "group"). SQLite and PostgreSQL both accept this form.
func Quote(ident string) string {
	var b strings.Builder
	QuoteTo(&b, ident)
	return b.String()
}

// QuoteTo writes ident, quoted as Quote does, to b; building a column list
// this way costs no string per column.
func QuoteTo(b *strings.Builder, ident string) {
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(ident, `"`, `""`))
	b.WriteByte('"')
}
