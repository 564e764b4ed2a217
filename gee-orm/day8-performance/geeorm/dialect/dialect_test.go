package dialect

import (
	"reflect"
	"testing"
	"time"
)

func TestSqlite3DataTypeOf(t *testing.T) {
	d, ok := GetDialect("sqlite3")
	if !ok {
		t.Fatal("sqlite3 dialect is not registered")
	}
	tests := []struct {
		value any
		want  string
	}{
		{true, "bool"},
		{int(1), "integer"}, {int8(1), "integer"}, {int16(1), "integer"}, {int32(1), "integer"}, {int64(1), "integer"},
		{uint(1), "integer"}, {uint8(1), "integer"}, {uint16(1), "integer"}, {uint32(1), "integer"}, {uint64(1), "integer"},
		{float32(1), "real"}, {float64(1), "real"},
		{"s", "text"},
		{[]byte("b"), "blob"},
		{time.Now(), "datetime"},
		// Types SQLite cannot store get "", which schema turns into an error.
		{map[string]int{}, ""},
		{[]string{"a"}, ""},
		{struct{ A int }{}, ""},
		{make(chan int), ""},
		{new(int), ""},
		// database/sql cannot bind a uintptr: a column would take no value.
		{uintptr(1), ""},
	}
	for _, tt := range tests {
		if got := d.DataTypeOf(reflect.ValueOf(tt.value)); got != tt.want {
			t.Errorf("DataTypeOf(%T) = %q, want %q", tt.value, got, tt.want)
		}
	}
	if got := d.DataTypeOf(reflect.Value{}); got != "" {
		t.Errorf("DataTypeOf(invalid value) = %q, want \"\"", got)
	}
}

func TestGetDialect(t *testing.T) {
	if _, ok := GetDialect("no-such-driver"); ok {
		t.Fatal("GetDialect found a dialect for an unknown driver")
	}
	RegisterDialect("test-dialect", sqlite3{})
	if d, ok := GetDialect("test-dialect"); !ok || d != (sqlite3{}) {
		t.Fatalf("GetDialect after RegisterDialect = %v, %v", d, ok)
	}
}

func TestSqlite3TableExistSQL(t *testing.T) {
	d, _ := GetDialect("sqlite3")
	query, args := d.TableExistSQL("User")
	if query != "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE" || len(args) != 1 || args[0] != "User" {
		t.Fatalf("TableExistSQL = %q, %v", query, args)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"Name":  `"Name"`,
		"order": `"order"`,
		`a"b`:   `"a""b"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
