package dialect

import (
	"reflect"
	"time"
)

type sqlite3 struct{}

func init() {
	RegisterDialect("sqlite3", sqlite3{})
}

// DataTypeOf maps Go kinds to SQLite column types; go-sqlite3 reads a
// "datetime" column back into a time.Time. database/sql cannot bind a
// uintptr, so it gets "".
func (sqlite3) DataTypeOf(typ reflect.Value) string {
	switch typ.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return "integer"
	case reflect.Int64, reflect.Uint64:
		return "bigint"
	case reflect.Float32, reflect.Float64:
		return "real"
	case reflect.String:
		return "text"
	case reflect.Slice:
		if typ.Type().Elem().Kind() == reflect.Uint8 {
			return "blob"
		}
	case reflect.Struct:
		if typ.Type() == reflect.TypeFor[time.Time]() {
			return "datetime"
		}
	}
	return ""
}

// TableExistSQL asks SQLite's catalogue for the table.
func (sqlite3) TableExistSQL(tableName string) (string, []any) {
	return "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", []any{tableName}
}
