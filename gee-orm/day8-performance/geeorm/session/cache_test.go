package session

import (
	"reflect"
	"sync"
	"testing"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/schema"
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

// sliceDialect's type is not comparable at all; ptrDialect's always is;
// arrayDialect's values are when its elements are.
type (
	sliceDialect struct {
		intDialect
		types []string
	}
	ptrDialect   struct{ intDialect }
	arrayDialect [2]any
)

func (arrayDialect) DataTypeOf(reflect.Value) string { return "text" }

func (arrayDialect) TableExistSQL(name string) (string, []any) {
	return intDialect{}.TableExistSQL(name)
}

func TestCanBeKey(t *testing.T) {
	sqlite, _ := dialect.GetDialect("sqlite3")
	tests := []struct {
		name    string
		dialect dialect.Dialect
		want    bool
	}{
		{"nil", nil, false},
		{"sqlite3", sqlite, true},
		{"interface field holding nil", intDialect{intType: "int"}, true},
		{"interface field holding an int", intDialect{extra: 1}, true},
		{"interface field holding a slice", intDialect{extra: []int{1}}, false},
		{"array of interfaces holding ints", arrayDialect{1, 2}, true},
		{"array of interfaces holding a map", arrayDialect{1, map[int]int{}}, false},
		{"slice field", sliceDialect{types: []string{"int"}}, false},
		{"pointer", &ptrDialect{intDialect{extra: []int{1}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := canBeKey(tt.dialect); got != tt.want {
				t.Errorf("canBeKey(%#v) = %v, want %v", tt.dialect, got, tt.want)
			}
			if tt.want { // hashing it must not panic
				var m sync.Map
				m.Store(tt.dialect, true)
			}
		})
	}
}

// Model runs on every call of an application; once its struct is parsed it
// must cost no allocation (asking a dialect value whether it is comparable
// cost 3 to 4).
func TestModelOfACachedTypeDoesNotAllocate(t *testing.T) {
	sqlite, _ := dialect.GetDialect("sqlite3")
	s := New(newTestDB(t), sqlite)
	user := &User{}
	s.Model(user)
	allocs := testing.AllocsPerRun(100, func() {
		s.refTable = nil
		s.Model(user)
	})
	if allocs != 0 {
		t.Errorf("Model of a parsed type made %v allocations, want 0", allocs)
	}
}
