package session

import (
	"reflect"
	"sync"
	"testing"

	"gee-orm/day2-reflect-schema/geeorm/dialect"
	"gee-orm/day2-reflect-schema/geeorm/schema"
)

// intDialect stores int fields as intType and everything else as text.
// Values with different intType are different dialects; extra lets a test
// build a value of this comparable type that cannot be a map key.
type intDialect struct {
	intType string
	extra   any
}

func (d intDialect) DataTypeOf(v reflect.Value) string {
	if v.Kind() == reflect.Int {
		return d.intType
	}
	return "text"
}

func (intDialect) TableExistSQL(name string) (string, []any) {
	return "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", []any{name}
}

func TestSchemaCacheIsKeyedByTypeAndDialect(t *testing.T) {
	db := newTestDB(t)
	sqlite, _ := dialect.GetDialect("sqlite3")
	ageType := func(d dialect.Dialect) string {
		t.Helper()
		table := New(db, d).Model(&User{}).RefTable()
		if table.Err != nil || table.GetField("Age") == nil {
			t.Fatalf("schema of User in %#v: %+v", d, table)
		}
		return table.GetField("Age").Type
	}
	tests := []struct {
		dialect dialect.Dialect
		want    string
	}{
		{sqlite, "integer"},
		{intDialect{intType: "number"}, "number"},
		{intDialect{intType: "int4"}, "int4"},
		// Its type is comparable, its value is not: parsed, not cached, no panic.
		{intDialect{intType: "int8", extra: []int{1}}, "int8"},
	}
	for _, tt := range tests {
		// Twice: the second call is served from the cache.
		for range 2 {
			if got := ageType(tt.dialect); got != tt.want {
				t.Errorf("User.Age in %#v is %q, want %q", tt.dialect, got, tt.want)
			}
		}
	}
	if New(db, intDialect{intType: "number"}).Model(&User{}).RefTable() !=
		New(db, intDialect{intType: "number"}).Model(&User{}).RefTable() {
		t.Error("equal dialect values did not share the schema")
	}

	// A type of the same name elsewhere is another model.
	type User struct{ Email string }
	if table := New(db, sqlite).Model(&User{}).RefTable(); table.GetField("Email") == nil || table.GetField("Age") != nil {
		t.Errorf("local User got the schema %v", table.FieldNames)
	}
}

func TestSchemaCacheIsSafeForConcurrentUse(t *testing.T) {
	db := newTestDB(t)
	sqlite, _ := dialect.GetDialect("sqlite3")
	type Concurrent struct {
		ID   int
		Name string
	}
	const goroutines = 8
	got := make([]*schema.Schema, goroutines)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i] = New(db, sqlite).Model(&Concurrent{}).RefTable()
		}()
	}
	close(start)
	wg.Wait()
	for i, table := range got {
		if table != got[0] || table.Err != nil || len(table.Fields) != 2 {
			t.Fatalf("goroutine %d got schema %p %+v, goroutine 0 got %p", i, table, table, got[0])
		}
	}
}
