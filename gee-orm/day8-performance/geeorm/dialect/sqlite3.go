package dialect

import (
	"reflect"
	"time"
)

type sqlite3 struct{}

func init() { RegisterDialect("sqlite3", sqlite3{}) }

// sqliteTypes are the SQLite column types of Go kinds.
var sqliteTypes = map[reflect.Kind]string{
	reflect.Bool: "bool", reflect.String: "text", reflect.Float32: "real", reflect.Float64: "real",
	reflect.Int: "integer", reflect.Int8: "integer", reflect.Int16: "integer", reflect.Int32: "integer", reflect.Int64: "integer",
	reflect.Uint: "integer", reflect.Uint8: "integer", reflect.Uint16: "integer", reflect.Uint32: "integer", reflect.Uint64: "integer",
}

// DataTypeOf maps Go kinds to SQLite column types; go-sqlite3 reads a
// "datetime" back into a time.Time. database/sql cannot bind a uintptr.
func (sqlite3) DataTypeOf(typ reflect.Value) string {
	switch {
	case typ.Kind() == reflect.Slice && typ.Type().Elem().Kind() == reflect.Uint8:
		return "blob"
	case typ.Kind() == reflect.Struct && typ.Type() == reflect.TypeFor[time.Time]():
		return "datetime"
	}
	return sqliteTypes[typ.Kind()]
}

// TableExistSQL asks the catalogue, ignoring ASCII case as SQLite does.
func (sqlite3) TableExistSQL(tableName string) (string, []any) {
	return "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE", []any{tableName}
}
